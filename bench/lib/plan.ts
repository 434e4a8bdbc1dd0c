import { Client } from 'pg';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Scan Direction'?: string;
  Plans?: PlanNode[];
}

export interface ScanNode {
  type: string;
  relation?: string;
  index?: string;
}

export interface PlanSummary {
  /** The first scan node (depth first), as in "Index Scan" or "Bitmap Heap Scan". */
  top: ScanNode;
  /** Every scan node of the plan, depth first. */
  scans: ScanNode[];
  /** Why the plan is not index-bound, or undefined when it is. */
  problem?: string;
}

const INDEX_SCANS = new Set(['Index Scan', 'Index Only Scan', 'Bitmap Index Scan']);

function walk(node: PlanNode, out: ScanNode[]): void {
  if (node['Node Type'].includes('Scan')) {
    out.push({ type: node['Node Type'], relation: node['Relation Name'], index: node['Index Name'] });
  }
  for (const child of node.Plans ?? []) walk(child, out);
}

/** Every scan node under `node`, depth first. */
function scansUnder(node: PlanNode): ScanNode[] {
  const out: ScanNode[] = [];
  walk(node, out);
  return out;
}

function findFirstScan(node: PlanNode): PlanNode | undefined {
  if (node['Node Type'].includes('Scan')) return node;
  for (const child of node.Plans ?? []) {
    const found = findFirstScan(child);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * EXPLAIN (FORMAT JSON) of a query with its parameters bound (so the plan is the custom plan the
 * application gets), summarised. Index-bound means: the top scan node is an Index Scan, an Index
 * Only Scan, or a Bitmap Heap Scan fed by a Bitmap Index Scan; and no node of the plan is a Seq
 * Scan.
 */
export async function explain(c: Client, sql: string, params: unknown[]): Promise<PlanSummary> {
  const { rows } = await c.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
  const raw = rows[0]['QUERY PLAN'];
  const root = (typeof raw === 'string' ? JSON.parse(raw) : raw)[0].Plan as PlanNode;
  const first = findFirstScan(root);
  const scans = scansUnder(root);
  if (first === undefined) return { top: { type: 'none' }, scans, problem: 'the plan has no scan node' };
  const top: ScanNode = { type: first['Node Type'], relation: first['Relation Name'], index: first['Index Name'] };
  let problem: string | undefined;
  if (first['Node Type'] === 'Bitmap Heap Scan') {
    const feeders = scansUnder(first).filter((s) => s.type === 'Bitmap Index Scan');
    if (feeders.length === 0) problem = 'Bitmap Heap Scan without a Bitmap Index Scan under it';
    else top.index = feeders.map((s) => s.index).join(' + ');
  } else if (!INDEX_SCANS.has(first['Node Type'])) {
    problem = `top scan node is ${first['Node Type']}${first['Relation Name'] ? ` on ${first['Relation Name']}` : ''}`;
  }
  const seq = scans.filter((s) => s.type === 'Seq Scan');
  if (problem === undefined && seq.length > 0) {
    problem = `the plan reads ${seq.map((s) => s.relation).join(', ')} with a Seq Scan`;
  }
  return { top, scans, problem };
}

export const describeScan = (s: ScanNode): string =>
  `${s.type}${s.index ? ` using ${s.index}` : ''}${s.relation ? ` on ${s.relation}` : ''}`;
