import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { childEnv, npmRun, ROOT, start, waitFor } from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-database';

/**
 * The npm scripts drive the TypeORM CLI through ormconfig.ts, on the server (DATABASE_URL) or
 * on the embedded database in EMBEDDED_DB_DIR, and exit cleanly.
 */
describe('migration CLI scripts', () => {
  let db: TestDatabase | undefined;
  let tmp: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-templates-cli-'));
    if (process.env.DATABASE_URL) {
      db = await createTestDatabase();
      env = childEnv({ DATABASE_URL: db.url });
    } else {
      env = childEnv({ EMBEDDED_DB_DIR: path.join(tmp, 'db') });
    }
  });
  afterAll(async () => {
    await db?.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('show, run, show, revert, show', async () => {
    let r = await npmRun('migration:show', env);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/\[ \] HostSchema1733500000000\s+\[ \] StackTemplates1733600000000/);

    r = await npmRun('migration:run', env);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/Migration StackTemplates1733600000000 has been executed successfully/);

    r = await npmRun('migration:show', env);
    expect(r.output).toMatch(/\[X\] \d+ HostSchema1733500000000\s+\[X\] \d+ StackTemplates1733600000000/);

    r = await npmRun('migration:revert', env);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/Migration StackTemplates1733600000000 has been reverted successfully/);

    r = await npmRun('migration:show', env);
    expect(r.output).toMatch(/\[X\] \d+ HostSchema1733500000000\s+\[ \] StackTemplates1733600000000/);
    if (!db) expect(fs.existsSync(path.join(tmp, 'db.lock'))).toBe(false);
  });

  it('refuses a bad DATABASE_URL with a message that says what is expected', async () => {
    const r = await npmRun('migration:show', childEnv({ DATABASE_URL: 'mysql://nope' }));
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/DATABASE_URL must be a PostgreSQL URL/);
  });
});

describe('the embedded database directory is opened by one process at a time', () => {
  let tmp: string;
  beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-templates-lock-'))));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('the CLI is refused, naming the app that holds it; the app shuts down cleanly on SIGTERM and keeps its data', async () => {
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const env = childEnv({ EMBEDDED_DB_DIR: path.join(tmp, 'db'), PORT: port });
    // What `npm start` runs, started directly so that SIGTERM reaches the app itself (npm
    // would answer the signal by dying, not by waiting for its child).
    const [command, ...args] = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start as string).split(' ');
    const app = start(command, args, env);
    try {
      const health = await waitFor(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        return res.ok ? ((await res.json()) as { status: string; info: Record<string, unknown> }) : undefined;
      }, 60_000, 'the app to report healthy');
      expect(health.status).toBe('ok');
      expect(health.info.migrations).toMatchObject({ status: 'up', pending: [] });

      const holder = JSON.parse(fs.readFileSync(path.join(tmp, 'db.lock'), 'utf8'));
      const refused = await npmRun('migration:run', env);
      expect(refused.code).not.toBe(0);
      expect(refused.output).toContain(`already open in process ${holder.pid}`);
      expect(refused.output).toContain(holder.command);
      expect(holder.command).toMatch(/main\.ts/);
    } finally {
      app.child.kill('SIGTERM');
    }
    // Nest closes the app on SIGTERM, then re-raises the signal (exit status 143). Process exit
    // handlers do not run on that path, so the released lock proves the embedded database was
    // stopped by the shutdown hooks.
    const ended = await app.finished;
    expect(ended).toMatchObject({ code: null, signal: 'SIGTERM' });
    expect(ended.output).not.toMatch(/ERROR/);
    expect(fs.existsSync(path.join(tmp, 'db.lock'))).toBe(false);

    // The app migrated the directory and closed it cleanly: the CLI finds nothing pending.
    const shown = await npmRun('migration:show', env);
    expect(shown.code).toBe(0);
    expect(shown.output).toMatch(/\[X\] \d+ HostSchema1733500000000\s+\[X\] \d+ StackTemplates1733600000000/);
  });
});
