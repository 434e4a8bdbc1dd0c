import { QueryRunner } from 'typeorm';
import { loadMigrationSettings } from '../config/env';

/**
 * Helpers the migration classes call first thing in up() and down(). They read the
 * MIGRATIONS_* environment variables when the migration runs, whichever path runs it (app
 * boot, the CLI, tests).
 */

/**
 * Bounds this migration's transaction: if a long transaction holds a table it must alter, the
 * migration gives up after `lock_timeout` instead of queueing, which would block every reader
 * and writer of that table behind it. Must run inside the migration's transaction (TypeORM
 * wraps each migration in one), where SET LOCAL ends with it.
 */
export async function boundMigrationTransaction(queryRunner: QueryRunner): Promise<void> {
  const { lockTimeout, statementTimeout } = loadMigrationSettings();
  // Values are validated durations (env.ts), so they are safe to write into the statement.
  await queryRunner.query(`SET LOCAL lock_timeout = '${lockTimeout}'`);
  await queryRunner.query(`SET LOCAL statement_timeout = '${statementTimeout}'`);
}

export class DataLossRefusedError extends Error {
  constructor(
    readonly migration: string,
    readonly rows: Record<string, number>,
  ) {
    const list = Object.entries(rows).map(([table, n]) => `${table}: ${n} row(s)`).join(', ');
    super(
      `Refusing to revert ${migration}: it would drop tables that still hold data (${list}). ` +
        'Nothing was changed. Export what you need to keep, then revert again with ' +
        'MIGRATIONS_ALLOW_DATA_LOSS=true to drop these tables and their rows.',
    );
    this.name = 'DataLossRefusedError';
  }
}

/**
 * Refuses a revert that would drop rows, unless MIGRATIONS_ALLOW_DATA_LOSS=true. Emptiness is
 * checked with EXISTS (no full scan); only non-empty tables are counted, for the message.
 */
export async function refuseDataLoss(queryRunner: QueryRunner, migration: string, tables: string[]): Promise<void> {
  if (loadMigrationSettings().allowDataLoss) return;
  const rows: Record<string, number> = {};
  for (const table of tables) {
    const [{ filled }] = await queryRunner.query(`SELECT EXISTS (SELECT 1 FROM ${table}) AS filled`);
    if (!filled) continue;
    const [{ n }] = await queryRunner.query(`SELECT count(*)::int AS n FROM ${table}`);
    rows[table] = n;
  }
  if (Object.keys(rows).length > 0) throw new DataLossRefusedError(migration, rows);
}
