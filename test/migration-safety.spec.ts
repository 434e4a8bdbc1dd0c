import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { DataLossRefusedError } from '../src/database/migration-guards';
import { MigrationLockWaitError, MigrationTimeoutError } from '../src/database/migrate';
import { MIGRATIONS } from '../src/migrations';
import { readCatalog } from './support/catalog';
import { makeTemplate } from './support/factories';
import { childEnv, start, waitFor } from './support/processes';
import { createTestDatabase, hostOnlyDatabase, serverUrl, TestDatabase, withClient } from './support/test-database';

const names = MIGRATIONS.map((m) => m.name);
const appliedNames = async (ds: DataSource): Promise<string[]> =>
  ((await ds.query(`SELECT name FROM migrations ORDER BY id`)) as { name: string }[]).map((r) => r.name);

/** Sets MIGRATIONS_* variables for one test. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
}

/** Tests that need a second PostgreSQL session (another process or a blocking transaction) run on the server only. */
const onServer = serverUrl() ? describe : describe.skip;

describe('one migrator at a time', () => {
  it('four migrators started together in one process all succeed, each migration applied once', async () => {
    const db = await createTestDatabase();
    try {
      const sources = await Promise.all([1, 2, 3, 4].map(() => db.dataSource()));
      const results = await Promise.all(sources.map((ds) => ds.runMigrations()));
      expect(results.flat().map((m) => m.name).sort()).toEqual([...names].sort());
      expect(await appliedNames(sources[0])).toEqual(names);
    } finally {
      await db.dispose();
    }
  });

  onServer('across processes (server)', () => {
    let db: TestDatabase;
    beforeEach(async () => (db = await createTestDatabase()));
    afterEach(() => db.dispose());

    const child = (env: Record<string, string>) =>
      start(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join('test', 'support', 'migrate-child.ts')],
        childEnv({ DATABASE_URL: db.url, TS_NODE_TRANSPILE_ONLY: '1', ...env }));

    it('four processes started together on an empty database all succeed; each migration is applied once', async () => {
      const startAt = String(Date.now() + 4000);
      const children = [1, 2, 3, 4].map(() => child({ START_AT: startAt }));
      const results = await Promise.all(children.map((c) => c.finished));
      for (const r of results) expect(r).toMatchObject({ code: 0 });
      const applied = results.flatMap((r) => JSON.parse(r.output.trim().split('\n').pop()!).applied as string[]);
      expect(applied.sort()).toEqual([...names].sort());
      const ds = await db.dataSource();
      expect(await appliedNames(ds)).toEqual(names);
    });

    it('a migrator killed while holding the lock releases it, and the next one proceeds', async () => {
      const holder = child({ HOLD_LOCK: '1' });
      await waitFor(async () => (holder.output().includes('locked') ? true : undefined), 30_000, 'the child to take the lock');
      const ds = await db.dataSource();
      let done = false;
      const run = ds.runMigrations().then((r) => ((done = true), r));
      await new Promise((r) => setTimeout(r, 1500));
      expect(done).toBe(false); // waiting behind the holder
      holder.child.kill('SIGKILL');
      expect((await run).map((m) => m.name)).toEqual(names);
      await holder.finished;
    });

    it('gives up waiting for the lock after MIGRATIONS_LOCK_WAIT_SECONDS, naming the holder', async () => {
      const holder = child({ HOLD_LOCK: '1' });
      try {
        await waitFor(async () => (holder.output().includes('locked') ? true : undefined), 30_000, 'the child to take the lock');
        const ds = await db.dataSource();
        const error = await withEnv({ MIGRATIONS_LOCK_WAIT_SECONDS: '1' }, () => ds.runMigrations().then(() => undefined, (e: unknown) => e));
        expect(error).toBeInstanceOf(MigrationLockWaitError);
        expect((error as Error).message).toMatch(/waiting 1s \(MIGRATIONS_LOCK_WAIT_SECONDS\).*held by backend \d+ "stack-templates migration lock"/);
        expect(await ds.query(`SELECT to_regclass('migrations') AS t`)).toEqual([{ t: null }]);
      } finally {
        holder.child.kill('SIGKILL');
        await holder.finished;
      }
    });
  });
});

onServer('never stall live traffic (server)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => ({ db, ds } = await hostOnlyDatabase()));
  afterAll(() => db.dispose());

  it('gives up within the lock timeout while a long transaction holds generators, leaving nothing applied', async () => {
    await withClient(db.url, async (blocker) => {
      await blocker.query('BEGIN');
      await blocker.query(`INSERT INTO generators (name) VALUES ('busy')`);
      const began = Date.now();
      const error = await withEnv({ MIGRATIONS_LOCK_TIMEOUT: '1s' }, () => ds.runMigrations().then(() => undefined, (e: unknown) => e));
      const waited = Date.now() - began;
      await blocker.query('ROLLBACK');
      expect(error).toBeInstanceOf(MigrationTimeoutError);
      expect((error as Error).message).toMatch(/Migration StackTemplates1733600000000 waited 1s \(MIGRATIONS_LOCK_TIMEOUT\).*rolled back.*Retry/);
      // Without the timeout it would wait for the blocker (forever here): it gave up instead.
      expect(waited).toBeLessThan(20_000);
    });
    expect(await appliedNames(ds)).toEqual(['HostSchema1733500000000']);
    expect(await ds.query(`SELECT to_regclass('stack_templates') AS t`)).toEqual([{ t: null }]);
    expect((await ds.runMigrations()).map((m) => m.name)).toEqual(['StackTemplates1733600000000']);
  });

  it('a revert gives up the same way, naming the migration it was reverting', async () => {
    await withClient(db.url, async (blocker) => {
      await blocker.query('BEGIN');
      await blocker.query(`INSERT INTO generators (name) VALUES ('busy')`);
      const error = await withEnv({ MIGRATIONS_LOCK_TIMEOUT: '1s' }, () => ds.undoLastMigration().then(() => undefined, (e: unknown) => e));
      await blocker.query('ROLLBACK');
      expect(error).toBeInstanceOf(MigrationTimeoutError);
      expect((error as Error).message).toMatch(/^Migration StackTemplates1733600000000 waited 1s/);
    });
    expect(await appliedNames(ds)).toEqual(names);
    expect(await ds.query(`SELECT to_regclass('stack_templates') IS NOT NULL AS kept`)).toEqual([{ kept: true }]);
  });
});

describe('bounded transactions', () => {
  it('every migration sets lock_timeout and statement_timeout for its own transaction only', async () => {
    const db = await createTestDatabase();
    try {
      const ds = await db.dataSource();
      const seen: string[] = [];
      const qr = ds.createQueryRunner();
      const query = qr.query.bind(qr);
      qr.query = ((sql: string, ...rest: unknown[]) => {
        if (/^SET LOCAL/.test(sql)) seen.push(sql);
        return (query as (...a: unknown[]) => Promise<unknown>)(sql, ...rest);
      }) as typeof qr.query;
      await withEnv({ MIGRATIONS_LOCK_TIMEOUT: '2s', MIGRATIONS_STATEMENT_TIMEOUT: '3min' }, async () => {
        await qr.startTransaction();
        for (const M of MIGRATIONS) await new M().up(qr);
        const [settings] = await qr.query(`SELECT current_setting('lock_timeout') AS lock, current_setting('statement_timeout') AS stmt`);
        expect(settings).toEqual({ lock: '2s', stmt: '3min' });
        await qr.rollbackTransaction();
      });
      expect(seen).toEqual(MIGRATIONS.flatMap(() => [`SET LOCAL lock_timeout = '2s'`, `SET LOCAL statement_timeout = '3min'`]));
      const [after] = await qr.query(`SELECT current_setting('lock_timeout') AS lock`);
      expect(after.lock).toBe('0'); // ended with the transaction
      await qr.release();
    } finally {
      await db.dispose();
    }
  });

  it('refuses a malformed timeout before touching the database', async () => {
    await withEnv({ MIGRATIONS_LOCK_TIMEOUT: "1s'; DROP TABLE generators; --" }, async () => {
      const db = await createTestDatabase();
      try {
        const ds = await db.dataSource();
        await expect(ds.runMigrations()).rejects.toThrow(/MIGRATIONS_LOCK_TIMEOUT must be a positive duration/);
      } finally {
        await db.dispose();
      }
    });
  });
});

describe('all or nothing', () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => ({ db, ds } = await hostOnlyDatabase()));
  afterAll(() => db.dispose());

  it.each([
    ['its first function', `CREATE FUNCTION stack_templates_is_json_object(value text) RETURNS boolean LANGUAGE sql AS 'SELECT true'`, 'DROP FUNCTION stack_templates_is_json_object(text)'],
    ['a table in the middle', 'CREATE TABLE template_targets (x int)', 'DROP TABLE template_targets'],
    ['an index after its table', 'CREATE TABLE other (x int); CREATE INDEX "IDX_template_labels_label" ON other (x)', 'DROP TABLE other'],
    ['a late function', `CREATE FUNCTION stack_templates_check_provenance_version() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'`, 'DROP FUNCTION stack_templates_check_provenance_version()'],
    ['its last trigger', 'CREATE TRIGGER stack_templates_cascade_generator_soft_delete BEFORE UPDATE ON generators FOR EACH ROW EXECUTE FUNCTION update_timestamp()', 'DROP TRIGGER stack_templates_cascade_generator_soft_delete ON generators'],
  ])('a failure at %s leaves no table, index, trigger, function or migrations row behind', async (_where, clash, cleanup) => {
    await ds.query(clash);
    try {
      const before = await readCatalog(ds);
      await expect(ds.runMigrations()).rejects.toThrow(/already exists/);
      expect(await readCatalog(ds)).toEqual(before);
      expect(await appliedNames(ds)).toEqual(['HostSchema1733500000000']);
    } finally {
      await ds.query(cleanup);
    }
  });

  it('and applies cleanly once the clash is gone', async () => {
    expect((await ds.runMigrations()).map((m) => m.name)).toEqual(['StackTemplates1733600000000']);
  });
});

describe('no silent data loss on revert', () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await db.dataSource();
    await ds.runMigrations();
  });
  afterAll(() => db.dispose());

  it('refuses to drop tables that hold rows, saying how many and how to proceed; nothing changes', async () => {
    const template = await makeTemplate(ds, { labels: [{ label: 'a' }, { label: 'b' }] as never });
    const before = await readCatalog(ds);
    const error = await ds.undoLastMigration().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(DataLossRefusedError);
    expect((error as Error).message).toBe(
      'Refusing to revert StackTemplates1733600000000: it would drop tables that still hold data ' +
        '(template_labels: 2 row(s), stack_templates: 1 row(s)). Nothing was changed. Export what you need to keep, ' +
        'then revert again with MIGRATIONS_ALLOW_DATA_LOSS=true to drop these tables and their rows.',
    );
    expect(await readCatalog(ds)).toEqual(before);
    expect(await appliedNames(ds)).toEqual(names);
    expect(await ds.query(`SELECT id FROM stack_templates`)).toEqual([{ id: template.id }]);
  });

  it('goes ahead with MIGRATIONS_ALLOW_DATA_LOSS=true', async () => {
    await withEnv({ MIGRATIONS_ALLOW_DATA_LOSS: 'true' }, () => ds.undoLastMigration());
    expect(await appliedNames(ds)).toEqual(['HostSchema1733500000000']);
    expect(await ds.query(`SELECT to_regclass('stack_templates') AS t`)).toEqual([{ t: null }]);
  });

  it('reverts empty tables without ceremony, and the host schema guards its own rows too', async () => {
    await ds.runMigrations();
    await ds.undoLastMigration();
    await ds.query(`INSERT INTO generators (name) VALUES ('kept')`);
    await expect(ds.undoLastMigration()).rejects.toThrow(/Refusing to revert HostSchema1733500000000: .*generators: 1 row\(s\)/);
    expect(await appliedNames(ds)).toEqual(['HostSchema1733500000000']);
  });
});
