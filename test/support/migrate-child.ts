/**
 * A migrator process for the concurrency tests: waits until START_AT (ms since epoch) so that
 * all children start together, runs the app's boot-time migration against DATABASE_URL, and
 * prints one JSON line. With HOLD_LOCK=1 it instead takes the migration lock and holds it until
 * killed.
 */
import 'reflect-metadata';
import { createDataSource } from '../../src/database/database.options';
import { migrate, withMigrationLock } from '../../src/database/migrate';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL!;
  if (process.env.HOLD_LOCK === '1') {
    await withMigrationLock(url, async () => {
      process.stdout.write('locked\n');
      await new Promise(() => undefined);
    });
    return;
  }
  const delay = Number(process.env.START_AT) - Date.now();
  if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  const ds = createDataSource({ url, singleConnection: false, describe: 'child' }, { logging: false });
  await ds.initialize();
  try {
    const applied = await migrate(ds);
    process.stdout.write(`${JSON.stringify({ applied: applied.map((m) => m.name) })}\n`);
  } finally {
    await ds.destroy();
  }
}

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ error: String(error) })}\n`);
  process.exitCode = 1;
});
