import { Client } from 'pg';
import { loadGeneratorTemplates } from './data';
import { median } from './measure';

/**
 * Where the cost of a write goes, server side, in µs per row: the figures that explain a ratio.
 *
 * - INSERT … SELECT of N staged rows into stack_templates and into the floor table, under
 *   EXPLAIN ANALYZE: execution time of each, and the time of every trigger that fired (the
 *   foreign key's RI trigger shows up here, with its calls). The floor table has the same foreign
 *   key as stack_templates; its RI trigger is listed under the floor, and the floor less that
 *   trigger's time is what the same rows cost in a bare table without the key.
 * - Each CHECK constraint's expression alone, evaluated over the N staged rows
 *   (`SELECT count(*) … WHERE expr`), less a trivial expression's time.
 * - The soft-delete: the bare UPDATE with the triggers on and off, and the UPDATE of the
 *   generator that cascades, each under EXPLAIN ANALYZE in a transaction rolled back (then
 *   VACUUM), with the time of each trigger.
 * Rules are read from the catalog, so this follows the migration as it changes.
 */

export interface Attribution {
  what: string;
  n: number;
  us_per_row: number;
  /** How many times it ran (triggers), when not once per row. */
  calls?: number;
}

interface Analyzed {
  ms: number;
  triggers: Map<string, { ms: number; calls: number }>;
}

const STAGED = 'bench_staged_templates';

async function explainAnalyze(c: Client, sql: string, params: unknown[] = []): Promise<Analyzed> {
  const { rows } = await c.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
  const raw = rows[0]['QUERY PLAN'];
  const top = (typeof raw === 'string' ? JSON.parse(raw) : raw)[0];
  const triggers = new Map<string, { ms: number; calls: number }>();
  for (const t of top.Triggers ?? []) {
    const name = t['Constraint Name'] ?? t['Trigger Name'];
    triggers.set(name, { ms: t.Time, calls: t.Calls });
  }
  return { ms: top['Execution Time'], triggers };
}

/** Median of each figure over the runs (execution time, and each trigger's time). */
function medianOf(runs: Analyzed[]): Analyzed {
  const triggers = new Map<string, { ms: number; calls: number }>();
  for (const name of runs[0].triggers.keys()) {
    triggers.set(name, {
      ms: median(runs.map((r) => r.triggers.get(name)?.ms ?? 0)),
      calls: runs[0].triggers.get(name)!.calls,
    });
  }
  return { ms: median(runs.map((r) => r.ms)), triggers };
}

async function timedQuery(c: Client, sql: string): Promise<number> {
  const start = process.hrtime.bigint();
  await c.query(sql);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export async function attributeWrites(
  c: Client,
  opts: {
    owner: string;
    n: number;
    reps: number;
    floorTable: string;
    /** Name of the floor table's foreign key to generators (its RI trigger's constraint name). */
    floorForeignKey: string;
    beforeRound: () => Promise<void>;
  },
): Promise<Attribution[]> {
  const { owner, n, reps, floorTable, floorForeignKey } = opts;
  const us = (ms: number): number => (ms * 1000) / n;
  const out: Attribution[] = [];

  // One process does the work, as in an INSERT: a parallel scan would split the expression costs
  // between workers (and a plpgsql function with an EXCEPTION block cannot run in parallel mode).
  await c.query('SET max_parallel_workers_per_gather = 0');
  await c.query(`DROP TABLE IF EXISTS ${STAGED}`);
  await c.query(`CREATE TABLE ${STAGED} (LIKE stack_templates INCLUDING DEFAULTS)`);
  await loadGeneratorTemplates(c, STAGED, owner, n);
  await c.query(`VACUUM ANALYZE ${STAGED}`);

  // INSERT … SELECT with every rule, and into the floor.
  const insertInto = async (table: string): Promise<Analyzed> => {
    await c.query(`TRUNCATE stack_templates, ${floorTable} CASCADE`);
    return explainAnalyze(c, `INSERT INTO ${table} SELECT * FROM ${STAGED}`);
  };
  const measured: Analyzed[] = [];
  const floor: Analyzed[] = [];
  for (let r = 0; r < reps; r++) {
    await opts.beforeRound();
    if (r % 2 === 0) {
      measured.push(await insertInto('stack_templates'));
      floor.push(await insertInto(floorTable));
    } else {
      floor.push(await insertInto(floorTable));
      measured.push(await insertInto('stack_templates'));
    }
  }
  const m = medianOf(measured);
  const f = medianOf(floor);
  out.push({ what: 'INSERT … SELECT into the floor table (with its foreign key)', n, us_per_row: us(f.ms) });
  for (const [name, t] of f.triggers) {
    out.push({ what: `  of which trigger ${name}`, n, us_per_row: us(t.ms), calls: t.calls });
  }
  const floorKey = f.triggers.get(floorForeignKey);
  if (floorKey === undefined) throw new Error(`the floor table's foreign key ${floorForeignKey} did not fire on insert`);
  out.push({ what: 'the same into a bare table, no foreign key (the floor less its key)', n, us_per_row: us(f.ms - floorKey.ms) });
  out.push({ what: 'INSERT … SELECT into stack_templates (every rule)', n, us_per_row: us(m.ms) });
  for (const [name, t] of m.triggers) {
    out.push({ what: `  of which trigger ${name}`, n, us_per_row: us(t.ms), calls: t.calls });
  }

  // Each CHECK expression alone, over the staged rows.
  const { rows: checks } = await c.query(
    `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
      WHERE conrelid = 'stack_templates'::regclass AND contype = 'c' ORDER BY conname`,
  );
  const scan = (expr: string): string => `SELECT count(*) FROM ${STAGED} WHERE (${expr}) IS NOT FALSE`;
  const baselineSql = scan('version IS NOT NULL');
  const baseline: number[] = [];
  const each = new Map<string, number[]>(checks.map((k) => [k.conname as string, []]));
  for (let r = 0; r < reps; r++) {
    await opts.beforeRound();
    baseline.push(await timedQuery(c, baselineSql));
    for (const k of checks) {
      const expr = String(k.def).replace(/^CHECK \((.*)\)( NOT VALID)?$/s, '$1');
      each.get(k.conname)!.push(await timedQuery(c, scan(expr)));
    }
  }
  const base = median(baseline);
  for (const k of checks) {
    out.push({ what: `  CHECK ${k.conname} (its expression alone)`, n, us_per_row: us(median(each.get(k.conname)!) - base) });
  }

  // The soft-delete: rows of `owner` in stack_templates, each UPDATE rolled back, then vacuumed.
  await c.query('TRUNCATE stack_templates CASCADE');
  await c.query(`INSERT INTO stack_templates SELECT * FROM ${STAGED}`);
  await c.query('VACUUM ANALYZE stack_templates');
  const inRolledBack = async (sql: string, params: unknown[], triggersOff: boolean): Promise<Analyzed> => {
    await c.query('BEGIN');
    try {
      if (triggersOff) await c.query('ALTER TABLE stack_templates DISABLE TRIGGER USER');
      return await explainAnalyze(c, sql, params);
    } finally {
      await c.query('ROLLBACK');
      await c.query('VACUUM stack_templates');
    }
  };
  const bare = 'UPDATE stack_templates SET deleted_at = now() WHERE generator_id = $1 AND deleted_at IS NULL';
  const cascade = 'UPDATE generators SET deleted_at = now() WHERE id = $1';
  const off: Analyzed[] = [];
  const on: Analyzed[] = [];
  const viaGenerator: Analyzed[] = [];
  for (let r = 0; r < reps; r++) {
    await opts.beforeRound();
    const steps = [
      async () => off.push(await inRolledBack(bare, [owner], true)),
      async () => on.push(await inRolledBack(bare, [owner], false)),
      async () => viaGenerator.push(await inRolledBack(cascade, [owner], false)),
    ];
    for (const step of r % 2 === 0 ? steps : steps.reverse()) await step();
  }
  const offM = medianOf(off);
  const onM = medianOf(on);
  const viaM = medianOf(viaGenerator);
  out.push({ what: 'bare UPDATE … SET deleted_at, triggers off (the floor)', n, us_per_row: us(offM.ms) });
  out.push({ what: 'bare UPDATE … SET deleted_at, triggers on', n, us_per_row: us(onM.ms) });
  for (const [name, t] of onM.triggers) {
    out.push({ what: `  of which trigger ${name}`, n, us_per_row: us(t.ms), calls: t.calls });
  }
  out.push({ what: 'UPDATE generators SET deleted_at (the cascade)', n, us_per_row: us(viaM.ms) });
  for (const [name, t] of viaM.triggers) {
    out.push({ what: `  of which trigger ${name}`, n, us_per_row: us(t.ms), calls: t.calls });
  }

  await c.query('TRUNCATE stack_templates CASCADE');
  await c.query(`DROP TABLE ${STAGED}`);
  await c.query('RESET max_parallel_workers_per_gather');
  return out;
}
