import { Client } from 'pg';
import { DataSource, Migration, MigrationExecutor } from 'typeorm';
import { loadMigrationSettings } from '../config/env';

/**
 * Session advisory lock every migration run and revert holds: "STKTMIGR" as a bigint. TypeORM
 * takes no lock of its own, so replicas booting together would race (one fails with
 * "relation already exists", or a data migration runs twice).
 */
export const MIGRATION_LOCK_KEY = '6004234345560361298';

export class MigrationLockWaitError extends Error {
  constructor(seconds: number, holder: string) {
    super(
      `Gave up after waiting ${seconds}s (MIGRATIONS_LOCK_WAIT_SECONDS) for another migration run to finish` +
        `${holder ? ` (held by ${holder})` : ''}. Nothing was changed. Retry when it is done; if no migration ` +
        'is running, the holder is a stuck session: end it (pg_terminate_backend) and retry.',
    );
    this.name = 'MigrationLockWaitError';
  }
}

export class MigrationTimeoutError extends Error {
  constructor(
    readonly migration: string | undefined,
    kind: 'lock' | 'statement',
    cause: unknown,
  ) {
    const s = loadMigrationSettings();
    const what =
      kind === 'lock'
        ? `waited ${s.lockTimeout} (MIGRATIONS_LOCK_TIMEOUT) for a lock on a table another transaction holds ` +
          '(typically a long transaction on generators, stacks or deployment_objects)'
        : `ran longer than ${s.statementTimeout} (MIGRATIONS_STATEMENT_TIMEOUT)`;
    super(
      `Migration ${migration ?? '(unknown)'} ${what} and gave up. Its transaction was rolled back: ` +
        'nothing of it was applied. Retry the deploy (or `npm run migration:run`) once that transaction ' +
        'has ended; raise the timeout only if you accept blocking live traffic while it waits.',
      { cause },
    );
    this.name = 'MigrationTimeoutError';
  }
}

/** One in-process queue per database: PGlite is one session, where advisory locks are re-entrant. */
const inProcess = new Map<string, Promise<unknown>>();

/**
 * Runs `work` holding the migration lock: first this process's queue for the database, then
 * the PostgreSQL session advisory lock on a dedicated connection, so the lock lives exactly as
 * long as that session. A migrator killed mid-run loses its session, and with it the lock; its
 * open migration transaction is rolled back by the server.
 */
export async function withMigrationLock<T>(url: string, work: () => Promise<T>): Promise<T> {
  const previous = inProcess.get(url) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => withAdvisoryLock(url, work));
  inProcess.set(url, run);
  try {
    return await run;
  } finally {
    if (inProcess.get(url) === run) inProcess.delete(url);
  }
}

async function withAdvisoryLock<T>(url: string, work: () => Promise<T>): Promise<T> {
  const { lockWaitSeconds } = loadMigrationSettings();
  const client = new Client({ connectionString: url, application_name: 'stack-templates migration lock' });
  await client.connect();
  try {
    await client.query(`SET lock_timeout = '${lockWaitSeconds}s'`);
    try {
      await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    } catch (error) {
      if ((error as { code?: string }).code === '55P03') throw new MigrationLockWaitError(lockWaitSeconds, await holderOf(client));
      throw error;
    }
    try {
      return await work();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function holderOf(client: Client): Promise<string> {
  const { rows } = await client.query(
    `SELECT a.pid, a.application_name, a.client_addr::text AS addr, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted
        AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint`,
    [MIGRATION_LOCK_KEY],
  ).catch(() => ({ rows: [] as Record<string, unknown>[] }));
  return rows.map((r) => `backend ${r.pid} "${r.application_name}" ${r.addr ?? 'local'} since ${new Date(String(r.backend_start)).toISOString()}`).join('; ');
}

/** Names of the migrations not yet applied (read-only: does not create the migrations table). */
export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const pending = await new MigrationExecutor(dataSource).getPendingMigrations();
  return pending.map((m) => m.name);
}

/**
 * Turns a timeout inside a migration into an error that says what happened and what to do. The
 * migration that failed is the first still pending (a run) or the last still applied (a revert):
 * its transaction was rolled back.
 */
export async function explainMigrationFailure(dataSource: DataSource, error: unknown, direction: 'up' | 'down'): Promise<never> {
  const code = (error as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (error as { code?: string }).code;
  if (code === '55P03' || code === '57014') {
    const failed = await (direction === 'up'
      ? pendingMigrations(dataSource).then((names) => names[0])
      : new MigrationExecutor(dataSource).getExecutedMigrations().then((done) => done[0]?.name)
    ).catch(() => undefined);
    throw new MigrationTimeoutError(failed, code === '55P03' ? 'lock' : 'statement', error);
  }
  throw error;
}

/**
 * Makes every way of running or reverting migrations on this DataSource (our boot code, the
 * TypeORM CLI's migration:run / migration:revert) take the migration lock.
 */
export function guardMigrations(dataSource: DataSource, url: string): void {
  const run = dataSource.runMigrations.bind(dataSource);
  const undo = dataSource.undoLastMigration.bind(dataSource);
  dataSource.runMigrations = (options) =>
    withMigrationLock(url, () => run(options).catch((e: unknown) => explainMigrationFailure(dataSource, e, 'up')));
  dataSource.undoLastMigration = (options) =>
    withMigrationLock(url, () => undo(options).catch((e: unknown) => explainMigrationFailure(dataSource, e, 'down')));
}

/** Runs every pending migration, each in its own transaction, under the migration lock. */
export async function migrate(dataSource: DataSource): Promise<Migration[]> {
  return dataSource.runMigrations({ transaction: 'each' });
}
