import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { acquireDataDirLock, DataDirLockedError } from '../src/database/data-dir-lock';

describe('embedded database directory lock', () => {
  let tmp: string;
  let dir: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-templates-dirlock-'));
    dir = path.join(tmp, 'nested', 'db');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('is taken, refused to a second taker with the holder named, and released', () => {
    const lock = acquireDataDirLock(dir);
    expect(fs.existsSync(`${dir}.lock`)).toBe(true);
    let error: unknown;
    try {
      acquireDataDirLock(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataDirLockedError);
    expect((error as DataDirLockedError).holder.pid).toBe(process.pid);
    expect((error as Error).message).toMatch(new RegExp(`already open in process ${process.pid}`));
    lock.release();
    expect(fs.existsSync(`${dir}.lock`)).toBe(false);
    acquireDataDirLock(dir).release();
  });

  it('takes over at once a lock left by a process that died', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    const deadPid = child.pid!;
    await new Promise((r) => child.on('close', r));
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.writeFileSync(`${dir}.lock`, JSON.stringify({ pid: deadPid, hostname: os.hostname(), command: 'killed', since: 'then', token: 't' }));
    const lock = acquireDataDirLock(dir);
    expect(JSON.parse(fs.readFileSync(`${dir}.lock`, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('does not take a lock it cannot read or one held on another host', () => {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.writeFileSync(`${dir}.lock`, 'garbage');
    expect(() => acquireDataDirLock(dir)).toThrow(/unreadable lock file/);
    fs.writeFileSync(`${dir}.lock`, JSON.stringify({ pid: 1, hostname: 'elsewhere', command: 'npm start', since: 'now', token: 'x' }));
    expect(() => acquireDataDirLock(dir)).toThrow(/process 1 \(npm start\) on elsewhere/);
  });

  it('releases only its own lock', () => {
    const lock = acquireDataDirLock(dir);
    fs.writeFileSync(`${dir}.lock`, JSON.stringify({ pid: process.pid, hostname: os.hostname(), command: 'other', since: 'now', token: 'not-ours' }));
    lock.release();
    expect(fs.existsSync(`${dir}.lock`)).toBe(true);
  });
});
