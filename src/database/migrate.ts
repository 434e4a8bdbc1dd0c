import { DataSource, Migration, MigrationExecutor } from 'typeorm';

/** Runs every pending migration, each in its own transaction. */
export async function migrate(dataSource: DataSource): Promise<Migration[]> {
  return dataSource.runMigrations({ transaction: 'each' });
}

/** Names of the migrations not yet applied (read-only: does not create the migrations table). */
export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const pending = await new MigrationExecutor(dataSource).getPendingMigrations();
  return pending.map((m) => m.name);
}
