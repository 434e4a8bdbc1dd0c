import * as path from 'node:path';

/**
 * Environment variables this module reads, parsed once and validated with messages a newcomer
 * understands. The Nest app (through @nestjs/config's `validate`) and the TypeORM CLI data source
 * (`ormconfig.ts`) both call `loadEnv`, so they can never disagree about which database to use.
 */
export interface Env {
  /** PostgreSQL server to use; unset means the embedded PGlite database. */
  databaseUrl?: string;
  /** Directory of the embedded database's files (only read when `databaseUrl` is unset). */
  embeddedDbDir: string;
  /** HTTP port of the app. */
  port: number;
}

export const DEFAULT_EMBEDDED_DB_DIR = path.join('.data', 'pglite');
export const DEFAULT_PORT = 3000;

export class EnvValidationError extends Error {
  constructor(problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvValidationError';
  }
}

type RawEnv = Record<string, string | undefined>;

export function loadEnv(raw: RawEnv = process.env): Env {
  const problems: string[] = [];

  const databaseUrl = blankToUndefined(raw.DATABASE_URL);
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\/.+/.test(databaseUrl)) {
    problems.push(
      `DATABASE_URL must be a PostgreSQL URL such as postgres://user:password@host:5432/db (got "${redact(databaseUrl)}"); leave it unset to use the embedded database`,
    );
  }

  const embeddedDbDir = path.resolve(blankToUndefined(raw.EMBEDDED_DB_DIR) ?? DEFAULT_EMBEDDED_DB_DIR);

  const port = parseInteger(raw.PORT, DEFAULT_PORT, 'PORT', 0, 65535, problems);

  if (problems.length > 0) throw new EnvValidationError(problems);
  return { databaseUrl, embeddedDbDir, port };
}

export function parseInteger(
  value: string | undefined,
  fallback: number,
  name: string,
  min: number,
  max: number,
  problems: string[],
): number {
  const text = blankToUndefined(value);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max} (got "${text}")`);
    return fallback;
  }
  return Number(text);
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Hides a password in a URL so that it never reaches a log. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}
