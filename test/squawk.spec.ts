import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CapturedMigration, captureMigrationSql, writeMigrationSql } from './support/capture-sql';
import { ROOT } from './support/processes';
import { createTestDatabase } from './support/test-database';

const SQUAWK = path.join(ROOT, 'node_modules', '.bin', 'squawk');

interface Violation {
  file: string;
  line: number;
  rule_name: string;
  message: string;
}

/**
 * squawk over the exact SQL each migration sends. TypeORM wraps each migration in a
 * transaction, hence --assume-in-transaction; PostgreSQL 15 is the oldest server supported.
 * Rules that do not apply to one statement are disabled on that statement, with a reason, in
 * the migration itself (`-- squawk-ignore <rule> -- <why>`), never here.
 */
async function squawk(files: string[]): Promise<Violation[]> {
  const { stdout } = await promisify(execFile)(SQUAWK, ['--assume-in-transaction', '--pg-version', '15', '--reporter', 'json', ...files])
    .catch((error: { stdout?: string; code?: number }) => {
      if (error.code === 1 && error.stdout) return { stdout: error.stdout }; // exit 1: violations found
      throw error;
    });
  return JSON.parse(stdout || '[]') as Violation[];
}

describe('squawk lints the SQL the migrations send', () => {
  let captured: CapturedMigration[];
  let files: string[];

  beforeAll(async () => {
    const db = await createTestDatabase();
    try {
      captured = await captureMigrationSql(await db.dataSource());
    } finally {
      await db.dispose();
    }
    files = writeMigrationSql(path.join(ROOT, 'test-results', `sql-${db.kind}`), captured);
  });

  it('captured every migration, up and down, each starting with its timeouts', () => {
    expect(files.map((f) => path.basename(f))).toEqual([
      'HostSchema1733500000000.up.sql', 'HostSchema1733500000000.down.sql',
      'StackTemplates1733600000000.up.sql', 'StackTemplates1733600000000.down.sql',
    ]);
    for (const m of captured) {
      for (const statements of [m.up, m.down]) {
        expect(statements.slice(0, 2)).toEqual([`SET LOCAL lock_timeout = '5s'`, `SET LOCAL statement_timeout = '60s'`]);
        expect(statements.length).toBeGreaterThan(5);
      }
    }
  });

  it('finds nothing to report', async () => {
    const violations = await squawk(files);
    expect(violations.map((v) => `${path.basename(v.file)}:${v.line + 1} ${v.rule_name}: ${v.message}`)).toEqual([]);
  });

  it('would report a risky statement (the linter really runs)', async () => {
    const bad = path.join(path.dirname(files[0]), 'known-bad.sql');
    fs.writeFileSync(bad, 'ALTER TABLE stack_templates ADD COLUMN owner_email varchar(255) NOT NULL;\nDROP TABLE template_labels;\n');
    const rules = (await squawk([bad])).map((v) => v.rule_name).sort();
    expect(rules).toEqual(expect.arrayContaining(['adding-required-field', 'ban-drop-table', 'prefer-text-field']));
  });
});
