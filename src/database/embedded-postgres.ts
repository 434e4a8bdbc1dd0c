import * as fs from 'node:fs';
import * as path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { acquireDataDirLock, DataDirLock } from './data-dir-lock';

/**
 * Connection slots. A pool uses one, the migration lock (migrate.ts) a second; the rest absorb a
 * DataSource closed and another opened at once (the CLI, tests), which would otherwise race the
 * server's deferred clean-up of the old connection and be refused with "Too many connections".
 * All of them share PGlite's one session; the server keeps each transaction's statements
 * together.
 */
const MAX_CONNECTIONS = 16;

export interface EmbeddedPostgresOptions {
  /** Directory of the database files; omit for a throw-away in-memory database (tests). */
  dataDir?: string;
  /** A `dumpDataDir()` tarball to start from (tests start from a ready-made cluster this way). */
  loadDataDir?: Blob;
}

/**
 * PostgreSQL (PGlite, real Postgres compiled to WASM) running inside this process and served on
 * 127.0.0.1 through the PostgreSQL wire protocol, so TypeORM talks to it with the ordinary `pg`
 * driver: the same code path as a real server.
 *
 * PGlite is a single session: every connection shares it (and its SET parameters, advisory
 * locks, temporary tables). The socket server queues statements and keeps a transaction's
 * statements together, and each pool in front of it holds one connection (see
 * `database.options.ts`), so one DataSource never interleaves two sessions. In-process drivers
 * that share the session between concurrent transactions break isolation.
 */
export class EmbeddedPostgres {
  private stopping?: Promise<void>;

  private constructor(
    readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    private readonly lock: DataDirLock | undefined,
  ) {}

  static async start(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
    const { dataDir, loadDataDir } = options;
    let lock: DataDirLock | undefined;
    if (dataDir !== undefined) {
      lock = acquireDataDirLock(dataDir);
      fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    }
    let db: PGlite | undefined;
    try {
      db = await PGlite.create(dataDir, { loadDataDir });
      const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: MAX_CONNECTIONS });
      await server.start();
      return new EmbeddedPostgres(db, server, lock);
    } catch (error) {
      await db?.close().catch(() => undefined);
      lock?.release();
      throw error;
    }
  }

  /** Connection URL of the embedded server (user `postgres`, database `postgres`, no password). */
  get url(): string {
    return `postgres://postgres@${this.server.getServerConn()}/postgres`;
  }

  /** Stops serving, flushes and closes the database, then releases the directory. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      try {
        await this.server.stop();
        if (!this.db.closed) await this.db.close();
      } finally {
        this.lock?.release();
      }
    })();
    return this.stopping;
  }
}
