import { createHash } from 'node:crypto';
import { Client } from 'pg';

/**
 * Test data, made set-based in SQL (INSERT … SELECT … FROM generate_series) so that loading
 * 100k templates and 1M labels takes seconds. Row ids are deterministic (md5 of a prefix and the
 * row's number, read as a uuid), so a later step and the lookups can name any row without reading
 * it back.
 *
 * Shape, for templates numbered i = 0 … n-1:
 * - generator g = i / 100 owns templates 100g … 100g+99: 20 names × 5 versions
 *   (name `tpl-${(i / 5) % 20}`, version `i % 5 + 1`); the latest version of every tenth name is
 *   soft-deleted, so "latest live version" has to skip it;
 * - stack s = i / 10 (owned by generator s / 10) is the target of templates 10s … 10s+9;
 * - each template carries 10 labels out of a vocabulary of 5000 (`label-${(i + 500k) % 5000}`,
 *   k = 0 … 9), so at 100k templates a label is on 200 templates;
 * - deployment object d = i (on stack d / 10) was rendered from template 10(d/10) + (d/10) % 5,
 *   so a template version with provenance has 10 rows of it.
 */

/** A Tera template of a realistic size (~470 bytes); `<i>` is replaced by the row's number. */
export const TEMPLATE_CONTENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ name }}
  labels:
    app: {{ name }}
    template: tpl-<i>
spec:
  replicas: {{ replicas | default(value=1) }}
  selector:
    matchLabels:
      app: {{ name }}
  template:
    metadata:
      labels:
        app: {{ name }}
    spec:
      containers:
        - name: {{ name }}
          image: {{ image }}
          ports:
            - containerPort: {{ port | default(value=8080) }}
          resources:
            limits:
              memory: {{ memory | default(value="256Mi") }}
`;

/** Its parameters' JSON Schema (~260 bytes). */
export const PARAMETERS_SCHEMA = JSON.stringify({
  type: 'object',
  required: ['name', 'image'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9-]{1,63}$' },
    image: { type: 'string' },
    replicas: { type: 'integer', minimum: 1 },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    memory: { type: 'string' },
  },
});

const DEPLOYMENT_YAML = `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-<i>
data:
  greeting: hello
`;

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The same uuid as SQL's md5(prefix || n)::uuid. */
export function stableUuid(prefix: string, n: number): string {
  const h = createHash('md5').update(`${prefix}${n}`, 'utf8').digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const generatorId = (g: number): string => stableUuid('g', g);
export const stackId = (s: number): string => stableUuid('s', s);
export const templateId = (i: number): string => stableUuid('t', i);
/** Template that deployment objects 10m … 10m+9 were rendered from. */
export const provenanceTemplate = (m: number): number => 10 * m + (m % 5);
export const templateVersion = (i: number): number => (i % 5) + 1;
export const templateName = (i: number): string => `tpl-${Math.floor(i / 5) % 20}`;

/** Host rows for `n` deployment objects: n/100 generators, n/10 stacks, n deployment objects. */
export async function loadHost(c: Client, lo: number, hi: number): Promise<void> {
  await c.query(
    `INSERT INTO generators (id, name)
     SELECT md5('g' || g)::uuid, 'bench-gen-' || g FROM generate_series($1::int, $2::int - 1) g`,
    [Math.ceil(lo / 100), Math.ceil(hi / 100)],
  );
  await c.query(
    `INSERT INTO stacks (id, name, generator_id)
     SELECT md5('s' || s)::uuid, 'bench-stack-' || s, md5('g' || (s / 10))::uuid
       FROM generate_series($1::int, $2::int - 1) s`,
    [Math.ceil(lo / 10), Math.ceil(hi / 10)],
  );
  await c.query(
    `INSERT INTO deployment_objects (id, stack_id, yaml_content, yaml_checksum)
     SELECT md5('d' || d)::uuid, md5('s' || (d / 10))::uuid, y, encode(sha256(convert_to(y, 'UTF8')), 'hex')
       FROM generate_series($1::int, $2::int - 1) d, LATERAL (SELECT replace($3::text, '<i>', d::text) AS y) x`,
    [lo, hi, DEPLOYMENT_YAML],
  );
}

/**
 * Templates lo … hi-1 of the shape above, with their labels, targets and provenance; the host
 * rows they need must be loaded first (`loadHost`).
 */
export async function loadTemplates(c: Client, lo: number, hi: number): Promise<void> {
  await c.query(
    `INSERT INTO stack_templates
       (id, generator_id, name, version, template_content, parameters_schema, checksum, deleted_at)
     SELECT md5('t' || i)::uuid, md5('g' || (i / 100))::uuid, 'tpl-' || ((i / 5) % 20), i % 5 + 1,
            c, $4, encode(sha256(convert_to(c, 'UTF8')), 'hex'),
            CASE WHEN i % 5 = 4 AND (i / 5) % 10 = 0 THEN now() END
       FROM generate_series($1::int, $2::int - 1) i, LATERAL (SELECT replace($3::text, '<i>', i::text) AS c) x`,
    [lo, hi, TEMPLATE_CONTENT, PARAMETERS_SCHEMA],
  );
  await c.query(
    `INSERT INTO template_labels (template_id, label)
     SELECT md5('t' || i)::uuid, 'label-' || ((i + k * 500) % 5000)
       FROM generate_series($1::int, $2::int - 1) i, generate_series(0, 9) k`,
    [lo, hi],
  );
  await c.query(
    `INSERT INTO template_targets (template_id, stack_id)
     SELECT md5('t' || i)::uuid, md5('s' || (i / 10))::uuid FROM generate_series($1::int, $2::int - 1) i`,
    [lo, hi],
  );
  await c.query(
    `INSERT INTO rendered_deployment_objects (deployment_object_id, template_id, template_version, template_parameters)
     SELECT md5('d' || d)::uuid, md5('t' || t)::uuid, t % 5 + 1, '{"name":"web-' || d || '","image":"nginx:1.27"}'
       FROM generate_series($1::int, $2::int - 1) d, LATERAL (SELECT 10 * (d / 10) + (d / 10) % 5 AS t) x`,
    [lo, hi],
  );
}

/**
 * `n` live templates of one generator, set-based (the state the cascade starts from). Same rows,
 * ids aside, as `insertRows` sends from the client.
 */
export async function loadGeneratorTemplates(c: Client, table: string, generator: string, n: number): Promise<void> {
  await c.query(
    `INSERT INTO ${table} (generator_id, name, version, template_content, parameters_schema, checksum)
     SELECT $1::uuid, 'tpl-' || i, 1, c, $4, encode(sha256(convert_to(c, 'UTF8')), 'hex')
       FROM generate_series(0, $2::int - 1) i, LATERAL (SELECT replace($3::text, '<i>', i::text) AS c) x`,
    [generator, n, TEMPLATE_CONTENT, PARAMETERS_SCHEMA],
  );
}

export interface TemplateRow {
  name: string;
  content: string;
  checksum: string;
}

/** n distinct valid template rows, made once per size and sent identically to both sides. */
export function templateRows(n: number): TemplateRow[] {
  const rows: TemplateRow[] = [];
  for (let i = 0; i < n; i++) {
    const content = TEMPLATE_CONTENT.replace('<i>', String(i));
    rows.push({ name: `tpl-${i}`, content, checksum: sha256(content) });
  }
  return rows;
}

export const BATCH_ROWS = 1000;

/**
 * Inserts the rows for one generator in one transaction, as multi-row INSERTs of BATCH_ROWS rows
 * each (parameters bound, like an application would send them).
 */
export async function insertRows(c: Client, table: string, generator: string, rows: TemplateRow[]): Promise<void> {
  await c.query('BEGIN');
  try {
    for (let start = 0; start < rows.length; start += BATCH_ROWS) {
      const batch = rows.slice(start, start + BATCH_ROWS);
      const params: string[] = [generator, PARAMETERS_SCHEMA];
      const values = batch.map((row, k) => {
        params.push(row.name, row.content, row.checksum);
        const p = 3 + 3 * k;
        return `($1, $${p}, 1, $${p + 1}, $2, $${p + 2})`;
      });
      await c.query(
        `INSERT INTO ${table} (generator_id, name, version, template_content, parameters_schema, checksum) VALUES ${values.join(', ')}`,
        params,
      );
    }
    await c.query('COMMIT');
  } catch (error) {
    await c.query('ROLLBACK');
    throw error;
  }
}
