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
  migrations: MigrationSettings;
}

/** How migrations behave on a live database (see README, "Operating migrations"). */
export interface MigrationSettings {
  /** lock_timeout of each migration's transaction: give up rather than queue behind traffic. */
  lockTimeout: string;
  /** statement_timeout of each migration's transaction. */
  statementTimeout: string;
  /** How long a migrator waits for another process's migration run to finish. */
  lockWaitSeconds: number;
  /** Let a revert drop tables that still hold rows. */
  allowDataLoss: boolean;
}

export const DEFAULT_MIGRATION_SETTINGS: MigrationSettings = {
  lockTimeout: '5s',
  statementTimeout: '60s',
  lockWaitSeconds: 600,
  allowDataLoss: false,
};

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
  const migrations = parseMigrationSettings(raw, problems);

  if (problems.length > 0) throw new EnvValidationError(problems);
  return { databaseUrl, embeddedDbDir, port, migrations };
}

/** The migration settings alone: what the migration classes read when they run. */
export function loadMigrationSettings(raw: RawEnv = process.env): MigrationSettings {
  const problems: string[] = [];
  const settings = parseMigrationSettings(raw, problems);
  if (problems.length > 0) throw new EnvValidationError(problems);
  return settings;
}

function parseMigrationSettings(raw: RawEnv, problems: string[]): MigrationSettings {
  const d = DEFAULT_MIGRATION_SETTINGS;
  return {
    lockTimeout: parseDuration(raw.MIGRATIONS_LOCK_TIMEOUT, d.lockTimeout, 'MIGRATIONS_LOCK_TIMEOUT', problems),
    statementTimeout: parseDuration(raw.MIGRATIONS_STATEMENT_TIMEOUT, d.statementTimeout, 'MIGRATIONS_STATEMENT_TIMEOUT', problems),
    lockWaitSeconds: parseInteger(raw.MIGRATIONS_LOCK_WAIT_SECONDS, d.lockWaitSeconds, 'MIGRATIONS_LOCK_WAIT_SECONDS', 1, 86_400, problems),
    allowDataLoss: parseBoolean(raw.MIGRATIONS_ALLOW_DATA_LOSS, d.allowDataLoss, 'MIGRATIONS_ALLOW_DATA_LOSS', problems),
  };
}

/** A PostgreSQL duration such as 500ms, 5s or 2min (it is written into SET statements). */
function parseDuration(value: string | undefined, fallback: string, name: string, problems: string[]): string {
  const text = blankToUndefined(value);
  if (text === undefined) return fallback;
  if (!/^[1-9]\d{0,8}(ms|s|min)$/.test(text)) {
    problems.push(`${name} must be a positive duration such as 500ms, 5s or 2min (got "${text}")`);
    return fallback;
  }
  return text;
}

function parseBoolean(value: string | undefined, fallback: boolean, name: string, problems: string[]): boolean {
  const text = blankToUndefined(value)?.toLowerCase();
  if (text === undefined) return fallback;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  problems.push(`${name} must be true or false (got "${text}")`);
  return fallback;
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
