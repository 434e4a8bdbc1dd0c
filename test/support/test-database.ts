import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { redact } from '../../src/config/env';
import { createDataSource, DatabaseTarget } from '../../src/database/database.options';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { MIGRATIONS } from '../../src/migrations';

/**
 * One fresh, empty database per test file: a database created on the server named by
 * DATABASE_URL (and dropped afterwards), or, with DATABASE_URL unset, a new in-memory embedded
 * PostgreSQL. Either way the tests reach it through the same `pg` driver and TypeORM options
 * as the app.
 */
export interface TestDatabase {
  kind: 'server' | 'embedded';
  url: string;
  target: DatabaseTarget;
  /** Opens a DataSource on it (not yet migrated). */
  dataSource(overrides?: Partial<DataSourceOptions>): Promise<DataSource>;
  dispose(): Promise<void>;
}

export const serverUrl = (): string | undefined => process.env.DATABASE_URL || undefined;

/** `prefix` names the scratch database on a server (the bench uses its own). */
export async function createTestDatabase(prefix = 'stack_templates_test'): Promise<TestDatabase> {
  const admin = serverUrl();
  let url: string;
  let dispose: () => Promise<void>;
  let kind: TestDatabase['kind'];
  if (admin !== undefined) {
    kind = 'server';
    const name = `${prefix}_${randomBytes(6).toString('hex')}`;
    await withClient(admin, (c) => c.query(`CREATE DATABASE ${name}`));
    const u = new URL(admin);
    u.pathname = `/${name}`;
    url = u.toString();
    dispose = () => withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined);
  } else {
    kind = 'embedded';
    const embedded = await EmbeddedPostgres.start();
    url = embedded.url;
    dispose = () => embedded.stop();
  }
  const where = admin !== undefined ? `scratch database ${new URL(url).pathname.slice(1)} on ${redact(admin)}` : 'embedded PostgreSQL (PGlite), in memory';
  const target: DatabaseTarget = { url, singleConnection: kind === 'embedded', describe: where };
  const opened: DataSource[] = [];
  return {
    kind,
    url,
    target,
    async dataSource(overrides = {}) {
      const ds = createDataSource(target, { logging: false, ...overrides });
      await ds.initialize();
      opened.push(ds);
      return ds;
    },
    async dispose() {
      for (const ds of opened) if (ds.isInitialized) await ds.destroy();
      await dispose();
    },
  };
}

export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh database with every migration applied, and a DataSource on it. */
export async function migratedDatabase(): Promise<{ db: TestDatabase; ds: DataSource }> {
  const db = await createTestDatabase();
  const ds = await db.dataSource();
  await ds.runMigrations({ transaction: 'each' });
  return { db, ds };
}

/**
 * A fresh database with only the host schema migrated (StackTemplates still pending), and a
 * DataSource on it that knows every migration.
 */
export async function hostOnlyDatabase(): Promise<{ db: TestDatabase; ds: DataSource }> {
  const db = await createTestDatabase();
  const host = await db.dataSource({ migrations: MIGRATIONS.slice(0, 1) });
  await host.runMigrations();
  await host.destroy();
  return { db, ds: await db.dataSource() };
}
