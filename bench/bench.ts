import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { DataSource, QueryRunner } from 'typeorm';
import { createDataSource } from '../src/database/database.options';
import { HostSchema1733500000000 } from '../src/migrations/1733500000000-HostSchema';
import { StackTemplates1733600000000 } from '../src/migrations/1733600000000-StackTemplates';
import { attributeWrites, Attribution } from './lib/attribution';
import { ChartPoint, renderCostChart } from './lib/chart';
import {
  BATCH_ROWS,
  generatorId,
  insertRows,
  loadGeneratorTemplates,
  loadHost,
  loadTemplates,
  provenanceTemplate,
  stackId,
  templateId,
  templateName,
  templateRows,
  templateVersion,
} from './lib/data';
import { median, paired, Paired, round, Side, time } from './lib/measure';
import { QuietGate } from './lib/quiet';
import { describeScan, explain, ScanNode } from './lib/plan';
import { BenchTarget, openBenchTarget } from './lib/target';

/**
 * `npm run bench`: what the StackTemplates schema costs, each figure a ratio against the cheapest
 * way to do the same work, measured in the same run (see docs/benchmarks.md).
 *
 * Environment:
 *   DATABASE_URL       run in a scratch database created on that server (dropped at the end);
 *                      unset: a fresh in-memory embedded PostgreSQL (PGlite)
 *   BENCH_SIZES        template counts, ascending multiples of 100 (default 1000,10000,100000)
 *   BENCH_REPS         timed runs per figure, of each side (default 7; the median is kept)
 *   BENCH_LOOKUP_RUNS  timed runs per lookup (default 50)
 *   BENCH_OUT          JSON file to write (default bench/results/latest.json); the chart is
 *                      written beside it with the extension .svg
 *   BENCH_QUIET_WAIT_S before each round, wait while other processes keep the CPUs busy, for at
 *                      most this many seconds in all (default 300; 0: never wait)
 *   BENCH_STRICT=1     also exit non-zero when a cost target (ratio, linearity) is missed
 * A lookup whose plan is not index-bound, or a migration that scans the host tables, always
 * makes the bench exit non-zero.
 */

const TARGETS = { cascade_soft_delete: 1.5, checked_inserts: 1.3 } as const;
/** Growth exponent (log ms / log N between two sizes) above which a cost is not linear in N. */
const LINEAR_EXPONENT = 1.15;
/** Below this many templates a Seq Scan can be the right plan: plans are recorded, not asserted. */
const ASSERT_PLANS_FROM = 10_000;

interface Config {
  sizes: number[];
  reps: number;
  lookupRuns: number;
  out: string;
  chart: string;
  strict: boolean;
  quietWaitS: number;
}

interface Measure {
  name: 'migration_up' | 'migration_down' | 'cascade_soft_delete' | 'checked_inserts';
  n: number;
  ms: number;
  floor_ms: number;
  ratio: number;
  /** Median of the per-round ratios (each run over the floor run next to it). */
  paired_ratio: number;
  runs_ms: number[];
  floor_runs_ms: number[];
}

interface Lookup {
  name: string;
  n: number;
  labels: number;
  plan: string;
  index?: string;
  relation?: string;
  scans: string[];
  rows: number;
  median_ms: number;
  p90_ms: number;
  index_bound: boolean;
  asserted: boolean;
}

const failures: string[] = [];
const started = Date.now();
const log = (message: string): void => {
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
};
/** Over this share of all CPUs busy elsewhere, a round waits (see lib/quiet.ts). */
const QUIET_BUSY_SHARE = 0.3;
let gate = new QuietGate(QUIET_BUSY_SHARE, 0, log);

/**
 * Before each side of a comparison (untimed): write everything out, so that no checkpoint starts
 * in the middle of a timed run, and so that PGlite, which never checkpoints by itself, recycles
 * its write-ahead log instead of keeping all of it in memory (gigabytes over a run).
 */
const checkpoint = (c: Client) => async (): Promise<void> => {
  await c.query('CHECKPOINT');
};

function readConfig(): Config {
  const env = process.env;
  const sizes = (env.BENCH_SIZES || '1000,10000,100000').split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 100 || n % 100 !== 0) || sizes.some((n, k) => k > 0 && n <= sizes[k - 1])) {
    throw new Error(`BENCH_SIZES must be ascending multiples of 100, such as 1000,10000,100000 (got "${env.BENCH_SIZES}")`);
  }
  const whole = (name: string, fallback: number, min: number): number => {
    const text = env[name];
    if (!text) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number of at least ${min} (got "${text}")`);
    return n;
  };
  const positive = (name: string, fallback: number): number => whole(name, fallback, 1);
  const out = path.resolve(env.BENCH_OUT || path.join(__dirname, 'results', 'latest.json'));
  return {
    sizes,
    reps: positive('BENCH_REPS', 7),
    lookupRuns: positive('BENCH_LOOKUP_RUNS', 50),
    out,
    chart: out.replace(/\.json$/i, '') + '.svg',
    strict: env.BENCH_STRICT === '1',
    quietWaitS: whole('BENCH_QUIET_WAIT_S', 300, 0),
  };
}

// --- migration --------------------------------------------------------------------------------

/**
 * The SQL the StackTemplates migration sends, captured by running its up and down through a
 * QueryRunner whose query() records each statement, inside a transaction that is rolled back.
 */
async function captureMigrationSql(ds: DataSource): Promise<{ up: string[]; down: string[] }> {
  const qr: QueryRunner = ds.createQueryRunner();
  const up: string[] = [];
  const down: string[] = [];
  let sink = up;
  const original = qr.query;
  const recording = ((query: string, parameters?: unknown[], ...rest: unknown[]) => {
    if (parameters !== undefined && parameters.length > 0) throw new Error('the migration sent bound parameters');
    sink.push(query);
    return (original as (...args: unknown[]) => Promise<unknown>).call(qr, query, parameters, ...rest);
  }) as typeof qr.query;
  try {
    await qr.startTransaction();
    // Record only what the migration sends (startTransaction and rollback also go through query()).
    qr.query = recording;
    const migration = new StackTemplates1733600000000();
    await migration.up(qr);
    sink = down;
    await migration.down(qr);
  } finally {
    qr.query = original;
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    await qr.release();
  }
  return { up, down };
}

/** One simple-protocol batch; each `;` on its own line, so a statement's trailing comment cannot swallow it. */
const asBatch = (statements: string[]): string => `BEGIN;\n${statements.join('\n;\n')}\n;\nCOMMIT;`;

interface HostCounters {
  [table: string]: { scans: number; tuples: number };
}

const HOST_TABLES = ['generators', 'stacks', 'deployment_objects'];

/** Scan counters of the host tables, after flushing this session's pending statistics. */
async function hostCounters(c: Client): Promise<HostCounters> {
  await c.query('SELECT pg_stat_force_next_flush()');
  const { rows } = await c.query(
    `SELECT relname, seq_scan, seq_tup_read, coalesce(idx_scan, 0) AS idx_scan, coalesce(idx_tup_fetch, 0) AS idx_tup_fetch
       FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = ANY($1)`,
    [HOST_TABLES],
  );
  const out: HostCounters = {};
  for (const r of rows) {
    out[r.relname] = {
      scans: Number(r.seq_scan) + Number(r.idx_scan),
      tuples: Number(r.seq_tup_read) + Number(r.idx_tup_fetch),
    };
  }
  return out;
}

/** Scans started on, and rows read from, each host table between two readings. */
const delta = (before: HostCounters, after: HostCounters): Record<string, { scans: number; tuples: number }> =>
  Object.fromEntries(
    HOST_TABLES.map((t) => [t, { scans: after[t].scans - before[t].scans, tuples: after[t].tuples - before[t].tuples }]),
  );

interface ScanCheck {
  n: number;
  /**
   * Scans of each host table started by the migration's up + down (seq_scan + idx_scan), and
   * rows they read (seq_tup_read + idx_tup_fetch), from pg_stat_user_tables.
   */
  host_reads: Record<string, { scans: number; tuples: number }>;
  /** The same counters for a control full scan of deployment_objects: proof that they move. */
  control: { scans: number; tuples: number };
  verdict: 'no host table scanned' | 'host table scanned' | 'counters unavailable';
}

/**
 * Does the migration read the host tables? Runs the captured up + down as the floor batch and
 * compares the host tables' scan counters before and after; then a control count(*) proves that
 * the counters move on this database at all.
 */
async function checkMigrationScans(c: Client, up: string, down: string, n: number): Promise<ScanCheck> {
  const before = await hostCounters(c);
  await c.query(up);
  await c.query(down);
  const after = await hostCounters(c);
  // yaml_content has no index: a sequential scan of every row.
  await c.query(`SELECT count(*) FROM deployment_objects WHERE yaml_content <> ''`);
  const controlled = await hostCounters(c);
  const reads = delta(before, after);
  const control = delta(after, controlled).deployment_objects;
  const verdict =
    control.scans < 1 || control.tuples < n
      ? 'counters unavailable'
      : Object.values(reads).some((r) => r.scans > 0 || r.tuples > 0)
        ? 'host table scanned'
        : 'no host table scanned';
  return { n, host_reads: reads, control, verdict };
}

async function truncateHost(c: Client): Promise<void> {
  await c.query('TRUNCATE generators, stacks, stack_labels, stack_annotations, deployment_objects CASCADE');
}

async function benchMigration(
  target: BenchTarget,
  c: Client,
  config: Config,
): Promise<{ measures: Measure[]; scanChecks: ScanCheck[]; statements: number }> {
  const ds = createDataSource(target, { logging: false });
  await ds.initialize();
  try {
    const sql = await captureMigrationSql(ds);
    const floorUp = asBatch(sql.up);
    const floorDown = asBatch(sql.down);
    log(`migration: captured ${sql.up.length} up and ${sql.down.length} down statements`);
    const typeormUp = async (): Promise<void> => {
      const done = await ds.runMigrations({ transaction: 'each' });
      if (done.length !== 1 || done[0].name !== 'StackTemplates1733600000000') {
        throw new Error(`expected to run StackTemplates only, ran ${done.map((m) => m.name).join(', ') || 'nothing'}`);
      }
    };
    const typeormDown = async (): Promise<void> => {
      await ds.undoLastMigration({ transaction: 'each' });
    };
    const measures: Measure[] = [];
    const scanChecks: ScanCheck[] = [];
    for (const n of [0, ...config.sizes]) {
      await truncateHost(c);
      if (n > 0) await loadHost(c, 0, n);
      await c.query('VACUUM ANALYZE generators, stacks, deployment_objects');
      const runs = { up: [] as number[], down: [] as number[], floorUp: [] as number[], floorDown: [] as number[] };
      // The first size also warms up TypeORM, the catalog caches and the server.
      const warmup = n === 0 ? 3 : 1;
      for (let r = 0; r < warmup + config.reps; r++) {
        await gate.wait(`migration with ${n} deployment objects`);
        const viaTypeorm = async (): Promise<void> => {
          await c.query('CHECKPOINT');
          const u = await time(typeormUp);
          const d = await time(typeormDown);
          if (r >= warmup) {
            runs.up.push(u);
            runs.down.push(d);
          }
        };
        const viaPg = async (): Promise<void> => {
          await c.query('CHECKPOINT');
          const u = await time(() => c.query(floorUp));
          const d = await time(() => c.query(floorDown));
          if (r >= warmup) {
            runs.floorUp.push(u);
            runs.floorDown.push(d);
          }
        };
        for (const step of r % 2 === 0 ? [viaTypeorm, viaPg] : [viaPg, viaTypeorm]) await step();
      }
      const push = (name: Measure['name'], ms: number[], floor: number[]): void => {
        const m = median(ms);
        const f = median(floor);
        const pairedRatio = median(ms.map((v, k) => v / floor[k]));
        measures.push({ name, n, ms: m, floor_ms: f, ratio: m / f, paired_ratio: pairedRatio, runs_ms: ms, floor_runs_ms: floor });
      };
      push('migration_up', runs.up, runs.floorUp);
      push('migration_down', runs.down, runs.floorDown);
      if (n > 0) {
        const check = await checkMigrationScans(c, floorUp, floorDown, n);
        scanChecks.push(check);
        if (check.verdict === 'host table scanned') {
          failures.push(`the migration scanned host tables holding ${n} deployment objects: ${JSON.stringify(check.host_reads)}`);
        }
      }
      log(
        `migration with ${n} deployment objects: up ${median(runs.up).toFixed(1)} ms (floor ${median(runs.floorUp).toFixed(1)}), ` +
          `down ${median(runs.down).toFixed(1)} ms (floor ${median(runs.floorDown).toFixed(1)})`,
      );
    }
    await truncateHost(c);
    await typeormUp();
    return { measures, scanChecks, statements: sql.up.length };
  } finally {
    await ds.destroy();
  }
}

// --- writes: checked inserts and the cascade ----------------------------------------------------

const FLOOR_TABLE = 'bench_floor_templates';

/** Index definitions of a table with its own name taken out, to compare two tables' indexes. */
async function indexShapes(c: Client, table: string): Promise<string[]> {
  const { rows } = await c.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1`, [table]);
  return rows
    .map((r) => String(r.indexdef).replace(/^CREATE (UNIQUE )?INDEX \S+ ON \S+/, 'CREATE $1INDEX ON t'))
    .sort();
}

/** Foreign-key definitions of a table (`FOREIGN KEY (…) REFERENCES …`), to compare two tables' keys. */
async function foreignKeyShapes(c: Client, table: string): Promise<string[]> {
  const { rows } = await c.query(
    `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'`,
    [table],
  );
  return rows.map((r) => String(r.def)).sort();
}

/** The floor's foreign key: the same as FK_stack_templates_generator, under the floor's own name. */
const floorForeignKey = (table: string): string => `${table}_generator_fk`;

/**
 * The floor of checked_inserts: an identical table (same columns, defaults, indexes and foreign
 * key; none of the CHECK constraints or triggers that are the rules measured). The foreign key to
 * generators is part of the table, not one of the rules: an identical table relates to the same
 * rows, so its cost (the RI trigger, once per row) is on both sides. The attribution still shows
 * it as its own line, and what the inserts cost against a bare table without it.
 */
async function createFloorTable(c: Client, name: string): Promise<void> {
  await c.query(`DROP TABLE IF EXISTS ${name}`);
  await c.query(`CREATE TABLE ${name} (LIKE stack_templates INCLUDING DEFAULTS INCLUDING INDEXES)`);
  await c.query(
    `ALTER TABLE ${name} ADD CONSTRAINT ${floorForeignKey(name)} FOREIGN KEY (generator_id) REFERENCES generators (id) ON DELETE CASCADE`,
  );
  await noAutovacuum(c, name);
  const [mine, theirs] = [await indexShapes(c, name), await indexShapes(c, 'stack_templates')];
  if (JSON.stringify(mine) !== JSON.stringify(theirs)) {
    throw new Error(`${name} does not have the indexes of stack_templates:\n${mine.join('\n')}\nvs\n${theirs.join('\n')}`);
  }
  const [myKeys, theirKeys] = [await foreignKeyShapes(c, name), await foreignKeyShapes(c, 'stack_templates')];
  if (JSON.stringify(myKeys) !== JSON.stringify(theirKeys)) {
    throw new Error(`${name} does not have the foreign keys of stack_templates:\n${myKeys.join('\n')}\nvs\n${theirKeys.join('\n')}`);
  }
}

async function count(c: Client, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await c.query(sql, params);
  return Number(rows[0].count);
}

async function expectCount(c: Client, what: string, sql: string, params: unknown[], expected: number): Promise<void> {
  const got = await count(c, sql, params);
  if (got !== expected) throw new Error(`${what}: expected ${expected}, got ${got}`);
}

/**
 * The bench vacuums and analyses when it needs to; an autovacuum worker starting on its own in
 * the middle of a timed run would slow one side only.
 */
async function noAutovacuum(c: Client, table: string): Promise<void> {
  await c.query(`ALTER TABLE ${table} SET (autovacuum_enabled = off)`);
}

/** The same N rows, in 1000-row INSERTs, into stack_templates and into the floor table. */
function insertSides(c: Client, owner: string, n: number): [Side, Side] {
  const rows = templateRows(n);
  const side = (table: string): Side => ({
    before: async () => {
      await c.query(`TRUNCATE stack_templates, ${FLOOR_TABLE} CASCADE`);
    },
    run: () => insertRows(c, table, owner, rows),
    after: () => expectCount(c, `rows in ${table}`, `SELECT count(*) FROM ${table}`, [], n),
  });
  return [side('stack_templates'), side(FLOOR_TABLE)];
}

/** Soft-deleting the generator (the trigger cascades) against the bare UPDATE, triggers off. */
function cascadeSides(c: Client, owner: string, n: number): [Side, Side] {
  const setup = async (): Promise<void> => {
    await c.query('TRUNCATE stack_templates CASCADE');
    await loadGeneratorTemplates(c, 'stack_templates', owner, n);
    await c.query('VACUUM ANALYZE stack_templates');
  };
  const check = async (): Promise<void> => {
    await expectCount(
      c,
      'templates soft-deleted',
      'SELECT count(*) FROM stack_templates WHERE generator_id = $1 AND deleted_at IS NOT NULL',
      [owner],
      n,
    );
  };
  return [
    {
      before: setup,
      run: async () => {
        await c.query('UPDATE generators SET deleted_at = now() WHERE id = $1', [owner]);
      },
      after: async () => {
        await check();
        await c.query('UPDATE generators SET deleted_at = NULL WHERE id = $1', [owner]);
      },
    },
    {
      before: async () => {
        await setup();
        await c.query('ALTER TABLE stack_templates DISABLE TRIGGER USER');
      },
      run: async () => {
        await c.query('UPDATE stack_templates SET deleted_at = now() WHERE generator_id = $1 AND deleted_at IS NULL', [owner]);
      },
      after: async () => {
        await c.query('ALTER TABLE stack_templates ENABLE TRIGGER USER');
        await check();
      },
    },
  ];
}

const toMeasure = (name: Measure['name'], n: number, p: Paired): Measure => ({
  name,
  n,
  ms: p.ms,
  floor_ms: p.floorMs,
  ratio: p.ratio,
  paired_ratio: p.pairedRatio,
  runs_ms: p.runs,
  floor_runs_ms: p.floorRuns,
});

async function benchWrites(c: Client, config: Config): Promise<{ measures: Measure[]; diagnostics: Attribution[] }> {
  const { rows } = await c.query(`INSERT INTO generators (name) VALUES ('bench-owner') RETURNING id`);
  const owner: string = rows[0].id;
  await createFloorTable(c, FLOOR_TABLE);
  for (const t of ['stack_templates', 'generators']) await noAutovacuum(c, t);
  const measures: Measure[] = [];
  for (const [k, n] of config.sizes.entries()) {
    const opts = {
      reps: config.reps,
      warmup: k === 0 ? 1 : 0,
      beforeRound: () => gate.wait(`writes N=${n}`),
      beforeSide: checkpoint(c),
    };
    const inserts = await paired(...insertSides(c, owner, n), opts);
    measures.push(toMeasure('checked_inserts', n, inserts));
    log(`checked_inserts N=${n}: ${inserts.ms.toFixed(1)} ms vs floor ${inserts.floorMs.toFixed(1)} ms (${inserts.ratio.toFixed(2)}x)`);
    const cascade = await paired(...cascadeSides(c, owner, n), opts);
    measures.push(toMeasure('cascade_soft_delete', n, cascade));
    log(`cascade_soft_delete N=${n}: ${cascade.ms.toFixed(1)} ms vs floor ${cascade.floorMs.toFixed(1)} ms (${cascade.ratio.toFixed(2)}x)`);
  }

  // Where the cost goes, server side, at the largest size.
  const n = config.sizes[config.sizes.length - 1];
  const diagnostics = await attributeWrites(c, {
    owner,
    n,
    reps: Math.min(config.reps, 3),
    floorTable: FLOOR_TABLE,
    floorForeignKey: floorForeignKey(FLOOR_TABLE),
    beforeRound: async () => {
      await checkpoint(c)();
      await gate.wait(`where the cost goes, N=${n}`);
    },
  });
  for (const d of diagnostics) log(`where the cost goes, N=${n}: ${d.what.trim()}: ${d.us_per_row.toFixed(2)} µs/row`);

  await c.query(`DROP TABLE ${FLOOR_TABLE}`);
  await c.query('TRUNCATE stack_templates CASCADE');
  await c.query('DELETE FROM generators WHERE id = $1', [owner]);
  return { measures, diagnostics };
}

// --- lookups ------------------------------------------------------------------------------------

interface LookupSpec {
  name: string;
  sql: string;
  params: (r: number, n: number) => unknown[];
}

const spread = (r: number, modulo: number): number => (r * 7919) % modulo;

const LOOKUPS: LookupSpec[] = [
  {
    name: 'latest_version_of_name',
    sql: `SELECT id, version, checksum FROM stack_templates
           WHERE generator_id = $1 AND name = $2 AND deleted_at IS NULL
           ORDER BY version DESC LIMIT 1`,
    params: (r, n) => [generatorId(spread(r, n / 100)), templateName(5 * (r % 20))],
  },
  {
    name: 'live_templates_of_generator',
    sql: `SELECT id, name, version FROM stack_templates
           WHERE generator_id = $1 AND deleted_at IS NULL ORDER BY name, version`,
    params: (r, n) => [generatorId(spread(r, n / 100))],
  },
  {
    name: 'templates_with_label',
    sql: `SELECT t.id, t.name, t.version FROM template_labels l
            JOIN stack_templates t ON t.id = l.template_id
           WHERE l.label = $1 AND t.deleted_at IS NULL`,
    params: (r) => [`label-${(r * 131) % 5000}`],
  },
  {
    name: 'targets_of_stack',
    sql: `SELECT t.id, t.name, t.version FROM template_targets tt
            JOIN stack_templates t ON t.id = tt.template_id
           WHERE tt.stack_id = $1 AND t.deleted_at IS NULL`,
    params: (r, n) => [stackId(spread(r, n / 10))],
  },
  {
    name: 'provenance_of_template_version',
    sql: `SELECT deployment_object_id, template_parameters, created_at FROM rendered_deployment_objects
           WHERE template_id = $1 AND template_version = $2`,
    params: (r, n) => {
      const t = provenanceTemplate(spread(r, n / 10));
      return [templateId(t), templateVersion(t)];
    },
  },
];

async function benchLookups(c: Client, config: Config): Promise<{ lookups: Lookup[]; loaded: Array<Record<string, number>> }> {
  await c.query('TRUNCATE stack_templates CASCADE');
  await truncateHost(c);
  const lookups: Lookup[] = [];
  const loaded: Array<Record<string, number>> = [];
  let from = 0;
  for (const n of config.sizes) {
    const ms = await time(async () => {
      await loadHost(c, from, n);
      await loadTemplates(c, from, n);
      await c.query('VACUUM ANALYZE');
      await c.query('CHECKPOINT');
    });
    from = n;
    const sizes: Record<string, number> = {};
    for (const t of ['stack_templates', 'template_labels', 'template_targets', 'deployment_objects', 'rendered_deployment_objects']) {
      sizes[t] = await count(c, `SELECT count(*) FROM ${t}`);
    }
    loaded.push(sizes);
    log(`lookups: loaded ${JSON.stringify(sizes)} in ${(ms / 1000).toFixed(1)} s`);
    for (const spec of LOOKUPS) {
      const plan = await explain(c, spec.sql, spec.params(0, n));
      const rows = (await c.query(spec.sql, spec.params(0, n))).rowCount ?? 0;
      if (rows === 0) throw new Error(`lookup ${spec.name} found nothing at N=${n}: the data set is wrong`);
      for (let r = 1; r <= 5; r++) await c.query(spec.sql, spec.params(r, n));
      const runs: number[] = [];
      for (let r = 0; r < config.lookupRuns; r++) {
        const params = spec.params(r, n);
        runs.push(await time(() => c.query(spec.sql, params)));
      }
      const sorted = [...runs].sort((a, b) => a - b);
      const asserted = n >= ASSERT_PLANS_FROM;
      if (plan.problem !== undefined && asserted) {
        failures.push(`lookup ${spec.name} at ${n} templates is not index-bound: ${plan.problem} (${plan.scans.map(describeScan).join('; ')})`);
      }
      lookups.push({
        name: spec.name,
        n,
        labels: sizes.template_labels,
        plan: plan.top.type,
        index: plan.top.index,
        relation: plan.top.relation,
        scans: plan.scans.map((s: ScanNode) => describeScan(s)),
        rows,
        median_ms: median(runs),
        p90_ms: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))],
        index_bound: plan.problem === undefined,
        asserted,
      });
    }
  }
  return { lookups, loaded };
}

// --- report -------------------------------------------------------------------------------------

function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, k) => Math.max(...cells.map((r) => r[k].length)));
  const numeric = headers.map((_, k) => rows.every((r) => /^-?[\d.]*$/.test(String(r[k]))));
  const line = (r: string[]): string => r.map((v, k) => (numeric[k] ? v.padStart(widths[k]) : v.padEnd(widths[k]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => line(r.map(String)))].join('\n');
}

interface Verdict {
  name: string;
  target: string;
  worst: number;
  met: boolean;
}

function growth(measures: Measure[], name: Measure['name']): Array<{ from_n: number; to_n: number; exponent: number; floor_exponent: number }> {
  const rows = measures.filter((m) => m.name === name);
  return rows.slice(1).map((m, k) => {
    const prev = rows[k];
    const span = Math.log(m.n / prev.n);
    return {
      from_n: prev.n,
      to_n: m.n,
      exponent: Math.log(m.ms / prev.ms) / span,
      floor_exponent: Math.log(m.floor_ms / prev.floor_ms) / span,
    };
  });
}

function verdicts(measures: Measure[]): Verdict[] {
  const out: Verdict[] = [];
  for (const name of ['cascade_soft_delete', 'checked_inserts'] as const) {
    const worst = Math.max(...measures.filter((m) => m.name === name).map((m) => m.ratio));
    out.push({ name, target: `ratio <= ${TARGETS[name]}`, worst, met: worst <= TARGETS[name] });
    const g = growth(measures, name);
    if (g.length > 0) {
      const last = g[g.length - 1].exponent;
      out.push({ name: `${name} growth`, target: `exponent <= ${LINEAR_EXPONENT} (linear in N)`, worst: last, met: last <= LINEAR_EXPONENT });
    }
  }
  return out;
}

interface BareEstimate {
  n: number;
  ms: number;
  floor_ms: number;
  /** The floor's foreign key: its RI trigger's µs per row (attribution, largest N) times n. */
  foreign_key_ms: number;
  /** floor_ms less foreign_key_ms: the same inserts into a bare table without the key. */
  bare_floor_ms: number;
  ratio: number;
}

/**
 * checked_inserts against a bare table without the foreign key, estimated (not timed): the
 * floor's time less its key's share, the key's RI trigger time per row from the attribution at
 * the largest size (it is a constant per row) times n. The same measure as it read when the floor
 * had no key, so that the key's place in the floor hides nothing.
 */
function againstBareTable(measures: Measure[], diagnostics: Attribution[]): BareEstimate[] {
  const key = diagnostics.find((d) => d.what.trim() === `of which trigger ${floorForeignKey(FLOOR_TABLE)}`);
  if (key === undefined) return [];
  return measures
    .filter((m) => m.name === 'checked_inserts')
    .map((m) => {
      const keyMs = (key.us_per_row * m.n) / 1000;
      return { n: m.n, ms: m.ms, floor_ms: m.floor_ms, foreign_key_ms: keyMs, bare_floor_ms: m.floor_ms - keyMs, ratio: m.ms / (m.floor_ms - keyMs) };
    });
}

async function machine(c: Client, target: BenchTarget): Promise<Record<string, string | number>> {
  const version = (await c.query('SHOW server_version')).rows[0].server_version as string;
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    database: target.kind === 'pglite' ? 'PGlite (embedded, in memory, served over pglite-socket)' : 'PostgreSQL server',
    database_version: target.kind === 'pglite' ? `PostgreSQL ${version} (@electric-sql/pglite ${pgliteVersion()})` : `PostgreSQL ${version}`,
  };
}

function pgliteVersion(): string {
  const pkg = path.join(path.dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  try {
    return JSON.parse(fs.readFileSync(pkg, 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  gate = new QuietGate(QUIET_BUSY_SHARE, config.quietWaitS, log);
  const target = await openBenchTarget();
  // Interrupted: still drop the scratch database (or stop PGlite) before going.
  const interrupted = (): void => {
    log('interrupted: cleaning up');
    void target.dispose().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  log(`target: ${target.describe}; sizes ${config.sizes.join(', ')}; ${config.reps} runs per figure`);
  let client: Client | undefined;
  try {
    const host = createDataSource(target, { logging: false, migrations: [HostSchema1733500000000] });
    await host.initialize();
    await host.runMigrations({ transaction: 'each' });
    await host.destroy();

    client = new Client({ connectionString: target.url });
    // Dropping the database on interruption ends this connection: not worth a crash report.
    client.on('error', (error) => log(`connection closed: ${error.message}`));
    await client.connect();
    const machineInfo = await machine(client, target);
    const loadAtStart = os.loadavg().map((v) => round(v, 2));

    const migration = await benchMigration(target, client, config);
    const writes = await benchWrites(client, config);
    const { lookups, loaded } = await benchLookups(client, config);

    const measures = [...migration.measures, ...writes.measures];
    const verdictList = verdicts(measures);
    const bare = againstBareTable(writes.measures, writes.diagnostics);
    const round3 = (m: Measure): Measure => ({
      ...m,
      ms: round(m.ms),
      floor_ms: round(m.floor_ms),
      ratio: round(m.ratio),
      paired_ratio: round(m.paired_ratio),
      runs_ms: m.runs_ms.map((v) => round(v)),
      floor_runs_ms: m.floor_runs_ms.map((v) => round(v)),
    });
    const emptyUp = migration.measures.find((m) => m.name === 'migration_up' && m.n === 0)!;
    const busyUp = migration.measures.filter((m) => m.name === 'migration_up').at(-1)!;
    const result = {
      generated_at: new Date().toISOString(),
      machine: machineInfo,
      sizes: {
        templates: config.sizes,
        migration_host_deployment_objects: [0, ...config.sizes],
        lookups: loaded,
        runs_per_figure: config.reps,
        lookup_runs: config.lookupRuns,
        insert_rows_per_statement: BATCH_ROWS,
      },
      measures: measures.map(round3),
      lookups: lookups.map((l) => ({ ...l, median_ms: round(l.median_ms), p90_ms: round(l.p90_ms) })),
      targets: verdictList.map((v) => ({ ...v, worst: round(v.worst) })),
      growth: {
        cascade_soft_delete: growth(measures, 'cascade_soft_delete').map((g) => ({ ...g, exponent: round(g.exponent), floor_exponent: round(g.floor_exponent) })),
        checked_inserts: growth(measures, 'checked_inserts').map((g) => ({ ...g, exponent: round(g.exponent), floor_exponent: round(g.floor_exponent) })),
      },
      migration: {
        statements: migration.statements,
        busy_vs_empty_up: { empty_ms: round(emptyUp.ms), busy_ms: round(busyUp.ms), busy_n: busyUp.n, ratio: round(busyUp.ms / emptyUp.ms) },
        scan_checks: migration.scanChecks,
      },
      where_the_cost_goes: writes.diagnostics.map((d) => ({ ...d, us_per_row: round(d.us_per_row, 2) })),
      checked_inserts_against_bare_table: {
        note: 'estimate, not timed: the floor (an identical table with its foreign key) less the key\'s RI trigger time (where_the_cost_goes, largest n) times n',
        estimates: bare.map((b) => ({
          n: b.n,
          ms: round(b.ms),
          floor_ms: round(b.floor_ms),
          foreign_key_ms: round(b.foreign_key_ms),
          bare_floor_ms: round(b.bare_floor_ms),
          ratio: round(b.ratio),
        })),
      },
      quiet_machine: {
        busy_share_threshold: QUIET_BUSY_SHARE,
        waited_s: round(gate.waitedS, 1),
        budget_s: config.quietWaitS,
        rounds_run_busy_after_budget: gate.gaveUp,
      },
      load_average: { start: loadAtStart, end: os.loadavg().map((v) => round(v, 2)) },
      duration_s: round((Date.now() - started) / 1000, 1),
      failures,
    };

    fs.mkdirSync(path.dirname(config.out), { recursive: true });
    fs.writeFileSync(config.out, JSON.stringify(result, null, 2) + '\n');
    const points: ChartPoint[] = writes.measures.flatMap((m) => [
      { measure: m.name, side: 'with the rules' as const, n: m.n, ms: m.ms },
      { measure: m.name, side: 'floor' as const, n: m.n, ms: m.floor_ms },
    ]);
    const title = `Cost against N: ${machineInfo.database_version}, ${machineInfo.cores} × ${machineInfo.cpu}`;
    fs.writeFileSync(config.chart, await renderCostChart(points, title));

    const out = process.stdout;
    out.write(`\n${machineInfo.database_version} on ${machineInfo.cores} × ${machineInfo.cpu}, Node ${machineInfo.node}\n\n`);
    out.write(
      table(
        ['measure', 'n', 'ms', 'floor ms', 'ratio', 'paired ratio', 'target'],
        measures.map((m) => [
          m.name,
          m.n,
          m.ms.toFixed(2),
          m.floor_ms.toFixed(2),
          m.ratio.toFixed(2),
          m.paired_ratio.toFixed(2),
          m.name in TARGETS ? `<= ${TARGETS[m.name as keyof typeof TARGETS]}` : '',
        ]),
      ) + '\n\n',
    );
    out.write(
      table(
        ['lookup', 'templates', 'labels', 'plan (top scan node)', 'index', 'rows', 'median ms', 'index-bound'],
        lookups.map((l) => [l.name, l.n, l.labels, l.plan, l.index ?? '', l.rows, l.median_ms.toFixed(3), l.index_bound ? 'yes' : l.asserted ? 'NO' : 'no (not asserted)']),
      ) + '\n\n',
    );
    out.write(
      table(
        ['where the cost goes (server side)', 'n', 'µs/row', 'calls'],
        writes.diagnostics.map((d) => [d.what, d.n, d.us_per_row.toFixed(2), d.calls ?? '']),
      ) + '\n\n',
    );
    if (bare.length > 0) {
      out.write(
        table(
          ['checked_inserts against a bare table (no foreign key; estimate)', 'n', 'ms', 'floor ms less its key', 'ratio'],
          bare.map((b) => ['checked_inserts', b.n, b.ms.toFixed(2), b.bare_floor_ms.toFixed(2), b.ratio.toFixed(2)]),
        ) + '\n\n',
      );
    }
    out.write(
      `migration on ${busyUp.n} deployment objects vs empty: up ${busyUp.ms.toFixed(1)} vs ${emptyUp.ms.toFixed(1)} ms ` +
        `(${(busyUp.ms / emptyUp.ms).toFixed(2)}x); host rows read: ${migration.scanChecks.map((s) => `${s.n}: ${s.verdict}`).join(', ')}\n\n`,
    );
    out.write(table(['target', 'wanted', 'worst', 'met'], verdictList.map((v) => [v.name, v.target, v.worst.toFixed(2), v.met ? 'yes' : 'MISSED'])) + '\n\n');
    out.write(`wrote ${path.relative(process.cwd(), config.out)} and ${path.relative(process.cwd(), config.chart)}\n`);
    const missed = verdictList.filter((v) => !v.met);
    if (missed.length > 0) {
      process.stderr.write(`cost targets missed: ${missed.map((v) => `${v.name} (${v.worst.toFixed(2)}; ${v.target})`).join(', ')}\n`);
      if (config.strict) failures.push('cost targets missed (BENCH_STRICT=1)');
    }
    if (failures.length > 0) {
      process.stderr.write(`\nbench FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
      process.exitCode = 1;
    }
  } finally {
    await client?.end().catch(() => undefined);
    await target.dispose();
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
    log('done');
  }
}

main().catch((error) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
