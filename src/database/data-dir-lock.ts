import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';

/** Who holds an embedded database directory, as written in its lock file. */
export interface LockHolder {
  pid: number;
  hostname: string;
  command: string;
  since: string;
  token: string;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `The embedded database in ${dataDir} is already open in process ${holder.pid} ` +
        `(${holder.command}) on ${holder.hostname} since ${holder.since}. ` +
        'PGlite cannot share its directory between processes: stop that process first, ' +
        'or point DATABASE_URL at a PostgreSQL server.',
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly lockFile: string;
  release(): void;
}

/**
 * Takes the one-process-at-a-time lock on an embedded database directory.
 *
 * PGlite has no lock of its own, and two processes opening one directory silently lose each
 * other's writes. The lock is a file beside the directory, created atomically (written to a
 * temporary name, then hard-linked into place, so that it never exists half-written) and naming
 * its holder. A lock left by a process that died (SIGKILL, power loss) is taken over at once
 * when its PID no longer runs on this host, so a crash never needs a manual clean-up.
 *
 * Hand-written rather than `proper-lockfile`: that library detects a dead holder only after its
 * mtime goes stale (10 s by default, blocking a quick restart) and cannot say who holds the lock.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const lockFile = `${dataDir}.lock`;
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  const me: LockHolder = {
    pid: process.pid,
    hostname: os.hostname(),
    command: describeCommand(),
    since: new Date().toISOString(),
    token: randomUUID(),
  };

  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(lockFile, me)) return holdLock(lockFile, me);
    const holder = readHolder(lockFile);
    if (holder === undefined) continue; // released between our two calls: try again
    if (isAlive(holder)) throw new DataDirLockedError(dataDir, holder);
    removeStale(lockFile, holder);
  }
  const holder = readHolder(lockFile);
  throw new DataDirLockedError(dataDir, holder ?? { ...me, pid: -1, command: 'unknown' });
}

/** "npm run migration:run: typeorm-ts-node-commonjs migration:run -d ormconfig.ts", say. */
function describeCommand(): string {
  const argv = process.argv.slice(1).map((arg, i) => (i === 0 ? path.basename(arg) : arg)).join(' ');
  const script = process.env.npm_lifecycle_event;
  return script ? `npm run ${script}: ${argv}` : `node ${argv}`;
}

function tryCreate(lockFile: string, me: LockHolder): boolean {
  const tmp = `${lockFile}.${me.pid}.${me.token}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(me, null, 2)}\n`, { mode: 0o644 });
  try {
    fs.linkSync(tmp, lockFile);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function readHolder(lockFile: string): LockHolder | undefined {
  let text: string;
  try {
    text = fs.readFileSync(lockFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as LockHolder;
  } catch {
    // Not ours, or damaged: name it as the holder rather than guess it is safe to take.
    return { pid: 0, hostname: '?', command: `unreadable lock file ${lockFile}`, since: '?', token: '' };
  }
}

function isAlive(holder: LockHolder): boolean {
  if (holder.hostname !== os.hostname()) return true; // cannot check another host: assume alive
  if (!Number.isInteger(holder.pid) || holder.pid <= 0) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves a dead holder's lock aside. Two processes may both find the same stale lock; only one
 * rename can succeed. If the file we moved turns out to be a fresh lock that a racing process
 * created in between, it is linked back and we report that holder.
 */
function removeStale(lockFile: string, stale: LockHolder): void {
  const aside = `${lockFile}.stale.${process.pid}.${randomUUID()}`;
  try {
    fs.renameSync(lockFile, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readHolder(aside);
  if (moved !== undefined && moved.token !== stale.token) {
    try {
      fs.linkSync(aside, lockFile);
    } finally {
      fs.rmSync(aside, { force: true });
    }
    return;
  }
  fs.rmSync(aside, { force: true });
}

function holdLock(lockFile: string, me: LockHolder): DataDirLock {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    // Remove the file only if it is still ours.
    if (readHolder(lockFile)?.token === me.token) fs.rmSync(lockFile, { force: true });
  };
  // The TypeORM CLI ends with process.exit(): release the lock on the way out too.
  process.on('exit', release);
  return { lockFile, release };
}
