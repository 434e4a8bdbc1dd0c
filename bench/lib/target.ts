import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { loadEnv, redact } from '../../src/config/env';
import { DatabaseTarget } from '../../src/database/database.options';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';

/**
 * Where the bench runs: a scratch database created on the server named by DATABASE_URL (dropped
 * at the end), or, with DATABASE_URL unset, a fresh in-memory embedded PostgreSQL (PGlite).
 * Nothing the bench does touches any other database.
 */
export interface BenchTarget extends DatabaseTarget {
  kind: 'postgresql' | 'pglite';
  /** Drops the scratch database, or stops PGlite. Idempotent. */
  dispose(): Promise<void>;
}

export async function openBenchTarget(): Promise<BenchTarget> {
  const admin = loadEnv().databaseUrl;
  if (admin !== undefined) {
    const name = `stack_templates_bench_${randomBytes(5).toString('hex')}`;
    await withClient(admin, (c) => c.query(`CREATE DATABASE ${name}`));
    const url = new URL(admin);
    url.pathname = `/${name}`;
    let disposed: Promise<void> | undefined;
    return {
      kind: 'postgresql',
      url: url.toString(),
      singleConnection: false,
      describe: `scratch database ${name} on ${redact(admin)}`,
      dispose: () =>
        (disposed ??= withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
          () => undefined,
        )),
    };
  }
  const embedded = await EmbeddedPostgres.start();
  return {
    kind: 'pglite',
    url: embedded.url,
    singleConnection: true,
    describe: 'embedded PostgreSQL (PGlite), in memory',
    dispose: () => embedded.stop(),
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
