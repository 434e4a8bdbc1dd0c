import 'reflect-metadata';
import { createDataSource } from './src/database/database.options';
(async () => {
  const ds = createDataSource({ url: process.env.U!, describe: '' });
  await ds.initialize();
  await ds.runMigrations();
  const log = await ds.driver.createSchemaBuilder().log();
  console.log(log.upQueries.map((q) => q.query));
  await ds.destroy();
})().catch((e) => { console.error(e); process.exit(1); });
