import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource, QueryRunner } from 'typeorm';
import { MIGRATIONS } from '../../src/migrations';

export interface CapturedMigration {
  name: string;
  up: string[];
  down: string[];
}

/**
 * The exact SQL each migration sends, up and down: every migration is applied in order and then
 * reverted in reverse order through a QueryRunner that records each statement, inside one
 * transaction that is rolled back, so the database is left as it was.
 */
export async function captureMigrationSql(ds: DataSource): Promise<CapturedMigration[]> {
  const qr = ds.createQueryRunner();
  const recorded: string[] = [];
  const query = qr.query.bind(qr);
  qr.query = ((sql: string, ...rest: unknown[]) => {
    recorded.push(sql);
    return (query as (...a: unknown[]) => Promise<unknown>)(sql, ...rest);
  }) as QueryRunner['query'];
  const take = (): string[] => recorded.splice(0, recorded.length);

  const captured = MIGRATIONS.map((M) => ({ migration: new M(), name: M.name, up: [] as string[], down: [] as string[] }));
  await qr.startTransaction();
  take(); // TypeORM's own START TRANSACTION: the migrations run inside it, it is not theirs
  try {
    for (const c of captured) {
      await c.migration.up(qr);
      c.up = take();
    }
    for (const c of [...captured].reverse()) {
      await c.migration.down(qr);
      c.down = take();
    }
  } finally {
    await qr.rollbackTransaction();
    await qr.release();
  }
  return captured.map(({ name, up, down }) => ({ name, up, down }));
}

/** Writes `<dir>/<Migration>.up.sql` and `.down.sql`; returns the paths. */
export function writeMigrationSql(dir: string, migrations: CapturedMigration[]): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const m of migrations) {
    for (const direction of ['up', 'down'] as const) {
      const file = path.join(dir, `${m.name}.${direction}.sql`);
      const body = m[direction].map((sql) => `${dedent(sql)};\n`).join('\n');
      fs.writeFileSync(file, `-- ${m.name} ${direction}: the SQL TypeORM sends, captured by the test suite\n\n${body}`);
      files.push(file);
    }
  }
  return files;
}

function dedent(sql: string): string {
  const lines = sql.replace(/^\n+/, '').replace(/\s+$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}
