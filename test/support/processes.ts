import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Environment for a child: this one, minus the database settings, plus `extra`. */
export function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
  delete env.DATABASE_URL;
  delete env.EMBEDDED_DB_DIR;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export interface Started {
  child: ChildProcess;
  finished: Promise<Finished>;
  output: () => string;
  /** Signals the whole process group, as a terminal or a container runtime does (npm does not forward signals). */
  signal: (signal: NodeJS.Signals) => void;
}

export function start(command: string, args: string[], env: NodeJS.ProcessEnv): Started {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const finished = new Promise<Finished>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, output })),
  );
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // already gone
    }
  };
  return { child, finished, output: () => output, signal };
}

export function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  return start(command, args, env).finished;
}

export const npmRun = (script: string, env: NodeJS.ProcessEnv): Promise<Finished> =>
  run('npm', ['run', '-s', script], env);

/** Polls `fn` until it returns a value, or fails after `ms`. */
export async function waitFor<T>(fn: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
