import { DataSource } from 'typeorm';
import { Catalog, readCatalog } from './support/catalog';
import { hostOnlyDatabase, TestDatabase } from './support/test-database';

const TEMPLATE_TABLE_COLUMNS = [
  'rendered_deployment_objects.created_at timestamp with time zone NOT NULL DEFAULT now()',
  'rendered_deployment_objects.deployment_object_id uuid NOT NULL',
  'rendered_deployment_objects.id uuid NOT NULL DEFAULT gen_random_uuid()',
  'rendered_deployment_objects.template_id uuid NOT NULL',
  'rendered_deployment_objects.template_parameters text NOT NULL',
  'rendered_deployment_objects.template_version integer NOT NULL',
  'stack_templates.checksum character varying(64) NOT NULL',
  'stack_templates.created_at timestamp with time zone NOT NULL DEFAULT now()',
  'stack_templates.deleted_at timestamp with time zone',
  'stack_templates.description text',
  'stack_templates.generator_id uuid',
  'stack_templates.id uuid NOT NULL DEFAULT gen_random_uuid()',
  'stack_templates.name character varying(255) NOT NULL',
  'stack_templates.parameters_schema text NOT NULL',
  'stack_templates.template_content text NOT NULL',
  'stack_templates.updated_at timestamp with time zone NOT NULL DEFAULT now()',
  'stack_templates.version integer NOT NULL DEFAULT 1',
  'template_annotations.created_at timestamp with time zone NOT NULL DEFAULT now()',
  'template_annotations.id uuid NOT NULL DEFAULT gen_random_uuid()',
  'template_annotations.key character varying(64) NOT NULL',
  'template_annotations.template_id uuid NOT NULL',
  'template_annotations.value character varying(64) NOT NULL',
  'template_labels.created_at timestamp with time zone NOT NULL DEFAULT now()',
  'template_labels.id uuid NOT NULL DEFAULT gen_random_uuid()',
  'template_labels.label character varying(64) NOT NULL',
  'template_labels.template_id uuid NOT NULL',
  'template_targets.created_at timestamp with time zone NOT NULL DEFAULT now()',
  'template_targets.id uuid NOT NULL DEFAULT gen_random_uuid()',
  'template_targets.stack_id uuid NOT NULL',
  'template_targets.template_id uuid NOT NULL',
];

const TEMPLATE_TABLES = ['stack_templates', 'template_labels', 'template_annotations', 'template_targets', 'rendered_deployment_objects'];

function minus(a: Catalog, b: Catalog): Record<keyof Catalog, string[]> {
  const out = {} as Record<keyof Catalog, string[]>;
  for (const key of Object.keys(a) as (keyof Catalog)[]) out[key] = a[key].filter((x) => !b[key].includes(x));
  return out;
}

describe('migrations: up, down, up', () => {
  let db: TestDatabase;
  let all: DataSource;

  beforeAll(async () => ({ db, ds: all } = await hostOnlyDatabase()));
  afterAll(() => db.dispose());

  it('StackTemplates up then down restores the host schema exactly, and up again rebuilds the same catalog', async () => {
    const host = await readCatalog(all);
    expect(host.columns.some((c) => c.startsWith('generators.'))).toBe(true);

    expect((await all.runMigrations()).map((m) => m.name)).toEqual(['StackTemplates1733600000000']);
    const first = await readCatalog(all);

    await all.undoLastMigration();
    expect(await readCatalog(all)).toEqual(host);

    await all.runMigrations();
    expect(await readCatalog(all)).toEqual(first);

    // What StackTemplates added: exactly the spec's columns, and objects of its own.
    const added = minus(first, host);
    expect(added.columns).toEqual(TEMPLATE_TABLE_COLUMNS);
    expect(minus(host, first)).toEqual({ columns: [], constraints: [], indexes: [], triggers: [], functions: [], sequences: [] });
    expect(added.triggers.map((t) => t.match(/CREATE TRIGGER (\S+)/)![1]).sort()).toEqual([
      'rendered_deployment_objects_immutable',
      'rendered_deployment_objects_version_match',
      'stack_templates_cascade_generator_soft_delete',
      'stack_templates_immutable',
      'update_stack_templates_timestamp',
    ]);
    expect(added.functions.map((f) => f.match(/FUNCTION public\.(\w+)/)![1]).sort()).toEqual([
      'stack_templates_cascade_generator_soft_delete',
      'stack_templates_check_provenance_version',
      'stack_templates_is_json_object',
      'stack_templates_is_token',
      'stack_templates_refuse_update',
    ]);
    expect(added.indexes.map((i) => i.match(/INDEX (\S+)/)![1].replace(/"/g, '')).sort()).toEqual([
      'IDX_rendered_deployment_objects_template_version',
      'IDX_stack_templates_generator_id',
      'IDX_stack_templates_live_name',
      'IDX_template_annotations_key_value',
      'IDX_template_labels_label',
      'IDX_template_targets_stack_id',
      'PK_rendered_deployment_objects',
      'PK_stack_templates',
      'PK_template_annotations',
      'PK_template_labels',
      'PK_template_targets',
      'UQ_rendered_deployment_objects_deployment_object',
      'UQ_stack_templates_live_version',
      'UQ_template_annotations_template_key',
      'UQ_template_labels_template_label',
      'UQ_template_targets_template_stack',
    ]);
    expect(added.indexes).toContain(
      'CREATE UNIQUE INDEX "UQ_stack_templates_live_version" ON public.stack_templates USING btree (generator_id, name, version) NULLS NOT DISTINCT WHERE (deleted_at IS NULL)',
    );
  });

  it('every foreign key column of the template tables leads an index', async () => {
    const unindexed = (await all.query(`
      SELECT c.conrelid::regclass::text AS tbl, c.conname
        FROM pg_constraint c
       WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY($1)
         AND NOT EXISTS (
           SELECT 1 FROM pg_index i
            WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1] AND i.indpred IS NULL)`,
      [TEMPLATE_TABLES])) as unknown[];
    expect(unindexed).toEqual([]);
  });

  it('down of both migrations leaves an empty schema', async () => {
    await all.undoLastMigration();
    await all.undoLastMigration();
    const empty = await readCatalog(all);
    expect(empty).toEqual({ columns: [], constraints: [], indexes: [], triggers: [], functions: [], sequences: [] });
    await all.runMigrations();
    expect((await readCatalog(all)).columns.length).toBeGreaterThan(TEMPLATE_TABLE_COLUMNS.length);
  });

  it('refuses to run StackTemplates over an object of the same name instead of replacing it', async () => {
    const { db: fresh, ds: full } = await hostOnlyDatabase();
    try {
      await full.query(`CREATE FUNCTION stack_templates_is_token(value text) RETURNS boolean LANGUAGE sql AS 'SELECT true'`);
      await expect(full.runMigrations()).rejects.toThrow(/function "stack_templates_is_token" already exists/);
      // The foreign function is still there, untouched, and nothing of StackTemplates was left.
      const [{ src }] = await full.query(`SELECT prosrc AS src FROM pg_proc WHERE proname = 'stack_templates_is_token'`);
      expect(src).toBe('SELECT true');
      expect(await full.query(`SELECT to_regclass('stack_templates') AS t`)).toEqual([{ t: null }]);
    } finally {
      await fresh.dispose();
    }
  });
});
