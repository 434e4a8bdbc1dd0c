import { DataSource, DataSourceOptions } from 'typeorm';
import { Env, redact } from '../config/env';
import { MIGRATIONS } from '../migrations';
import { EmbeddedPostgres } from './embedded-postgres';
import { guardMigrations } from './migrate';
import { ALL_ENTITIES } from './entities';

/**
 * The one set of TypeORM options behind the Nest app, the CLI (`ormconfig.ts`) and the tests.
 * Migrations are the only source of schema: `synchronize` is off, and TypeORM must not install
 * extensions (`gen_random_uuid()` is core since PostgreSQL 13).
 */
export function dataSourceOptions(url: string, opts: { singleConnection: boolean }): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ALL_ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    applicationName: 'stack-templates',
    logging: ['error', 'warn', 'migration'],
    extra: {
      // PGlite is one session: one connection, and a caller that would wait on a second one
      // fails fast instead of hanging.
      max: opts.singleConnection ? 1 : 10,
      idleTimeoutMillis: opts.singleConnection ? 0 : 10_000,
      connectionTimeoutMillis: 10_000,
    },
  };
}

export interface DatabaseTarget {
  url: string;
  /** True for the embedded database: PGlite serves one connection at a time. */
  singleConnection: boolean;
  /** Human description for logs, without secrets. */
  describe: string;
  /** Stops what opening the target started (the embedded database), after TypeORM closes. */
  close?: () => Promise<void>;
}

/** Resolves DATABASE_URL, or starts the embedded database in its directory (taking its lock). */
export async function openDatabaseTarget(env: Env): Promise<DatabaseTarget> {
  if (env.databaseUrl !== undefined) {
    return { url: env.databaseUrl, singleConnection: false, describe: `PostgreSQL at ${redact(env.databaseUrl)}` };
  }
  const embedded = await EmbeddedPostgres.start({ dataDir: env.embeddedDbDir });
  return {
    url: embedded.url,
    singleConnection: true,
    describe: `embedded PostgreSQL (PGlite) in ${env.embeddedDbDir}`,
    close: () => embedded.stop(),
  };
}

/**
 * A DataSource whose migration runs and reverts hold the migration lock (see migrate.ts), and
 * whose destroy() also closes what stands behind it, so every path that closes TypeORM (Nest
 * shutdown, the CLI's destroy() before process.exit) stops PGlite cleanly and releases its
 * directory.
 */
export function createDataSource(target: DatabaseTarget, overrides: Partial<DataSourceOptions> = {}): DataSource {
  const dataSource = new DataSource({
    ...dataSourceOptions(target.url, { singleConnection: target.singleConnection }),
    ...overrides,
  } as DataSourceOptions);
  guardMigrations(dataSource, target.url);
  const close = target.close;
  if (close !== undefined) {
    const destroy = dataSource.destroy.bind(dataSource);
    dataSource.destroy = async () => {
      try {
        if (dataSource.isInitialized) await destroy();
      } finally {
        await close();
      }
    };
  }
  return dataSource;
}
