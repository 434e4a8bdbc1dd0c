import { DataSource, Repository } from 'typeorm';
import { DeploymentObject } from '../src/host/deployment-objects/deployment-object.entity';
import { Generator } from '../src/host/generators/generator.entity';
import { Stack } from '../src/host/stacks/stack.entity';
import { RenderedDeploymentObject } from '../src/templates/rendered-deployment-object.entity';
import { StackTemplate } from '../src/templates/stack-template.entity';
import { TemplateAnnotation } from '../src/templates/template-annotation.entity';
import { TemplateLabel } from '../src/templates/template-label.entity';
import { TemplateTarget } from '../src/templates/template-target.entity';
import { TemplateRule } from '../src/templates/template-rules';
import { refusal } from './support/db-errors';
import {
  makeDeploymentObject, makeGenerator, makeProvenance, makeStack, makeTemplate, sha256, templateFields,
} from './support/factories';
import { migratedDatabase, TestDatabase } from './support/test-database';

/** Every rule the StackTemplates migration enforces: the allowed case and the refused one. */
describe('stack template rules, enforced by the database', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let templates: Repository<StackTemplate>;
  let generator: Generator;
  let stack: Stack;

  beforeAll(async () => {
    ({ db, ds } = await migratedDatabase());
    templates = ds.getRepository(StackTemplate);
    generator = await makeGenerator(ds);
    stack = await makeStack(ds, generator);
  });
  afterAll(() => db.dispose());

  describe('live version uniqueness per (generator, name, version)', () => {
    it('refuses a second live row of the same generator, name and version', async () => {
      const first = await makeTemplate(ds, { generatorId: generator.id });
      const error = await refusal(() => makeTemplate(ds, { generatorId: generator.id, name: first.name }));
      expect(error).toMatchObject({ code: '23505', constraint: TemplateRule.liveVersionUnique });
    });

    it('counts system templates (NULL generator) as one owner', async () => {
      const first = await makeTemplate(ds, { generatorId: null });
      const error = await refusal(() => makeTemplate(ds, { generatorId: null, name: first.name }));
      expect(error).toMatchObject({ code: '23505', constraint: TemplateRule.liveVersionUnique });
    });

    it('allows another version, another owner, or the same name for a system and a generator template', async () => {
      const other = await makeGenerator(ds);
      const first = await makeTemplate(ds, { generatorId: generator.id });
      await makeTemplate(ds, { generatorId: generator.id, name: first.name, version: 2 });
      await makeTemplate(ds, { generatorId: other.id, name: first.name });
      await makeTemplate(ds, { generatorId: null, name: first.name });
      expect(await templates.countBy({ name: first.name })).toBe(4);
    });

    it('lets a soft-deleted version be re-created, for a generator and for the system owner', async () => {
      for (const generatorId of [generator.id, null]) {
        const first = await makeTemplate(ds, { generatorId });
        await templates.softDelete(first.id);
        const again = await makeTemplate(ds, { generatorId, name: first.name });
        expect(again.id).not.toBe(first.id);
        expect(await templates.count({ where: { name: first.name }, withDeleted: true })).toBe(2);
      }
    });

    it('refuses restoring a soft-deleted version while a live copy exists', async () => {
      const first = await makeTemplate(ds);
      await templates.softDelete(first.id);
      await makeTemplate(ds, { name: first.name });
      const error = await refusal(() => templates.restore(first.id));
      expect(error).toMatchObject({ code: '23505', constraint: TemplateRule.liveVersionUnique });
    });
  });

  describe('column rules', () => {
    it.each([
      ['empty name', { name: '' }, TemplateRule.nameNotBlank],
      ['whitespace name', { name: ' \t\n' }, TemplateRule.nameNotBlank],
      ['empty content', { templateContent: '' }, TemplateRule.contentNotBlank],
      ['whitespace content', { templateContent: '  \n ' }, TemplateRule.contentNotBlank],
      ['version 0', { version: 0 }, TemplateRule.versionPositive],
      ['negative version', { version: -3 }, TemplateRule.versionPositive],
      ['wrong checksum', { checksum: sha256('something else') }, TemplateRule.checksumSha256],
      ['upper-case checksum', { checksum: sha256('apiVersion: v1\n').toUpperCase(), templateContent: 'apiVersion: v1\n' }, TemplateRule.checksumSha256],
      ['schema that is not JSON', { parametersSchema: '{type: object' }, TemplateRule.parametersSchemaJsonObject],
      ['schema that is a JSON array', { parametersSchema: '[]' }, TemplateRule.parametersSchemaJsonObject],
      ['schema that is a JSON string', { parametersSchema: '"object"' }, TemplateRule.parametersSchemaJsonObject],
      ['empty schema', { parametersSchema: '' }, TemplateRule.parametersSchemaJsonObject],
    ])('refuses a template with %s', async (_case, fields, rule) => {
      const error = await refusal(() => makeTemplate(ds, fields as Partial<StackTemplate>));
      expect(error).toMatchObject({ code: '23514', constraint: rule });
      expect(error.message).toContain(rule);
    });

    it('accepts the edge of every rule: one-character name, version 1, non-ASCII content, empty JSON object', async () => {
      const content = 'name: {{ name }} – ünïcödé ✓\n';
      const saved = await makeTemplate(ds, { name: 'x', version: 1, templateContent: content, parametersSchema: '{}' });
      const row = await templates.findOneByOrFail({ id: saved.id });
      expect(row.checksum).toBe(sha256(content));
      expect(row.version).toBe(1);
      expect(row.parametersSchema).toBe('{}');
    });

    it('defaults version to 1', async () => {
      const fields = templateFields();
      delete fields.version;
      const [row] = await ds.query(
        `INSERT INTO stack_templates (name, template_content, parameters_schema, checksum)
         VALUES ($1, $2, $3, $4) RETURNING version`,
        [fields.name, fields.templateContent, fields.parametersSchema, fields.checksum],
      );
      expect(row.version).toBe(1);
    });

    it('refuses an unknown generator', async () => {
      const error = await refusal(() => makeTemplate(ds, { generatorId: '00000000-0000-4000-8000-000000000000' }));
      expect(error).toMatchObject({ code: '23503', constraint: TemplateRule.generatorExists });
    });
  });

  describe('labels and annotations: 1-64 characters, no whitespace', () => {
    let template: StackTemplate;
    let labels: Repository<TemplateLabel>;
    let annotations: Repository<TemplateAnnotation>;
    beforeAll(async () => {
      template = await makeTemplate(ds);
      labels = ds.getRepository(TemplateLabel);
      annotations = ds.getRepository(TemplateAnnotation);
    });

    it('accepts 1 and 64 characters, punctuation and non-ASCII letters', async () => {
      for (const label of ['a', 'x'.repeat(64), 'app.kubernetes.io/name=web', 'équipe-α']) {
        await labels.insert({ templateId: template.id, label });
      }
      await annotations.insert({ templateId: template.id, key: 'k'.repeat(64), value: 'v' });
      expect(await labels.countBy({ templateId: template.id })).toBe(4);
    });

    it.each([
      ['empty', ''],
      ['a space', 'has space'],
      ['a tab', 'tab\there'],
      ['a newline', 'line\nbreak'],
      ['a no-break space', 'no\u00a0break'],
      ['an ideographic space', 'wide\u3000space'],
    ])('refuses a label with %s', async (_case, label) => {
      const error = await refusal(() => labels.insert({ templateId: template.id, label }));
      expect(error).toMatchObject({ code: '23514', constraint: TemplateRule.labelToken });
    });

    it('refuses a label over 64 characters', async () => {
      const error = await refusal(() => labels.insert({ templateId: template.id, label: 'x'.repeat(65) }));
      expect(error).toMatchObject({ code: '22001' });
      expect(error.message).toMatch(/character varying\(64\)/);
    });

    it('refuses the same label twice on one template', async () => {
      await labels.insert({ templateId: template.id, label: 'twice' });
      const error = await refusal(() => labels.insert({ templateId: template.id, label: 'twice' }));
      expect(error).toMatchObject({ code: '23505', constraint: TemplateRule.labelUnique });
    });

    it.each([
      ['key', { key: 'bad key', value: 'v' }, TemplateRule.annotationKeyToken],
      ['key', { key: '', value: 'v' }, TemplateRule.annotationKeyToken],
      ['value', { key: 'k1', value: 'bad value' }, TemplateRule.annotationValueToken],
      ['value', { key: 'k2', value: '' }, TemplateRule.annotationValueToken],
    ])('refuses an annotation %s that is empty or has whitespace', async (_what, fields, rule) => {
      const error = await refusal(() => annotations.insert({ templateId: template.id, ...fields }));
      expect(error).toMatchObject({ code: '23514', constraint: rule });
    });

    it('refuses an annotation value over 64 characters and a repeated key', async () => {
      expect(await refusal(() => annotations.insert({ templateId: template.id, key: 'long', value: 'v'.repeat(65) })))
        .toMatchObject({ code: '22001' });
      await annotations.insert({ templateId: template.id, key: 'tier', value: 'web' });
      expect(await refusal(() => annotations.insert({ templateId: template.id, key: 'tier', value: 'db' })))
        .toMatchObject({ code: '23505', constraint: TemplateRule.annotationKeyUnique });
    });
  });

  describe('targets', () => {
    it('links a template to a stack once', async () => {
      const template = await makeTemplate(ds);
      const targets = ds.getRepository(TemplateTarget);
      await targets.insert({ templateId: template.id, stackId: stack.id });
      expect(await refusal(() => targets.insert({ templateId: template.id, stackId: stack.id })))
        .toMatchObject({ code: '23505', constraint: TemplateRule.targetUnique });
      expect(await refusal(() => targets.insert({ templateId: template.id, stackId: '00000000-0000-4000-8000-000000000000' })))
        .toMatchObject({ code: '23503', constraint: TemplateRule.targetStackExists });
    });
  });

  describe('a template version is immutable but for description and deleted_at', () => {
    it('allows changing the description and soft-deleting, and keeps updated_at current', async () => {
      const template = await makeTemplate(ds);
      await ds.query(`UPDATE stack_templates SET updated_at = '2000-01-01' WHERE id = $1`, [template.id]);
      await templates.update(template.id, { description: 'now documented' });
      await templates.softDelete(template.id);
      const row = await templates.findOneOrFail({ where: { id: template.id }, withDeleted: true });
      expect(row.description).toBe('now documented');
      expect(row.deletedAt).toBeInstanceOf(Date);
      expect(row.updatedAt.getTime()).toBeGreaterThan(new Date('2001-01-01').getTime());
    });

    it.each([
      ['name', `name = 'renamed'`],
      ['version', 'version = version + 1'],
      ['template_content', `template_content = 'x: 1', checksum = '${sha256('x: 1')}'`],
      ['parameters_schema', `parameters_schema = '{"type":"object"}'`],
      ['checksum', `checksum = '${sha256('other')}'`],
      ['generator_id', 'generator_id = NULL'],
      ['created_at', `created_at = '2000-01-01'`],
      ['id', 'id = gen_random_uuid()'],
    ])('refuses changing %s', async (_column, assignment) => {
      const template = await makeTemplate(ds, { generatorId: generator.id });
      const error = await refusal(() => ds.query(`UPDATE stack_templates SET ${assignment} WHERE id = $1`, [template.id]));
      expect(error).toMatchObject({ code: '23001', constraint: TemplateRule.templateImmutable });
      expect(error.message).toMatch(/immutable.*only description and deleted_at may change/);
      const unchanged = await templates.findOneByOrFail({ id: template.id });
      expect(unchanged).toMatchObject({ name: template.name, version: 1, checksum: template.checksum, generatorId: generator.id });
    });

    it('also refuses a change made through TypeORM save()', async () => {
      const template = await makeTemplate(ds);
      template.templateContent = 'changed: true\n';
      template.checksum = sha256(template.templateContent);
      expect(await refusal(() => templates.save(template))).toMatchObject({ constraint: TemplateRule.templateImmutable });
    });
  });

  describe('provenance (rendered_deployment_objects)', () => {
    let template: StackTemplate;
    let provenance: Repository<RenderedDeploymentObject>;
    beforeAll(async () => {
      template = await makeTemplate(ds, { generatorId: generator.id, version: 3 });
      provenance = ds.getRepository(RenderedDeploymentObject);
    });

    it('records one row per deployment object, navigable to its template and deployment object', async () => {
      const object = await makeDeploymentObject(ds, stack);
      const row = await makeProvenance(ds, template, object);
      const loaded = await provenance.findOneOrFail({ where: { id: row.id }, relations: { template: true, deploymentObject: true } });
      expect(loaded.template?.id).toBe(template.id);
      expect(loaded.deploymentObject?.id).toBe(object.id);
      expect(await refusal(() => makeProvenance(ds, template, object)))
        .toMatchObject({ code: '23505', constraint: TemplateRule.provenanceUnique });
    });

    it('refuses parameters that are not a JSON object', async () => {
      const object = await makeDeploymentObject(ds, stack);
      for (const templateParameters of ['not json', '[1,2]', '42']) {
        expect(await refusal(() => makeProvenance(ds, template, object, { templateParameters })))
          .toMatchObject({ code: '23514', constraint: TemplateRule.provenanceParametersJsonObject });
      }
      await makeProvenance(ds, template, object, { templateParameters: '{"replicas":3,"env":{"A":"1"}}' });
    });

    it('refuses a template_version other than the version of the template row', async () => {
      const object = await makeDeploymentObject(ds, stack);
      const error = await refusal(() => makeProvenance(ds, template, object, { templateVersion: 2 }));
      expect(error).toMatchObject({ code: '23514', constraint: TemplateRule.provenanceVersionMatch });
      expect(error.message).toMatch(/is version 3, not 2/);
    });

    it('is immutable', async () => {
      const object = await makeDeploymentObject(ds, stack);
      const row = await makeProvenance(ds, template, object);
      const error = await refusal(() => provenance.update(row.id, { templateParameters: '{"name":"other"}' }));
      expect(error).toMatchObject({ code: '23001', constraint: TemplateRule.provenanceImmutable });
      expect((await provenance.findOneByOrFail({ id: row.id })).templateParameters).toBe('{"name":"web"}');
    });

    it('goes with its deployment object when that is hard-deleted', async () => {
      const object = await makeDeploymentObject(ds, stack);
      const row = await makeProvenance(ds, template, object);
      await ds.getRepository(DeploymentObject).delete(object.id);
      expect(await provenance.findOneBy({ id: row.id })).toBeNull();
    });
  });

  describe('hard-deleting a template', () => {
    it('is refused while provenance points at it, and everything stays', async () => {
      const template = await makeTemplate(ds, { labels: [{ label: 'kept' } as TemplateLabel] });
      const object = await makeDeploymentObject(ds, stack);
      await makeProvenance(ds, template, object);
      const error = await refusal(() => templates.delete(template.id));
      // restrict_violation on PostgreSQL 18, foreign_key_violation on 15: the constraint is the rule.
      expect(error).toMatchObject({ code: expect.stringMatching(/^23(001|503)$/), constraint: TemplateRule.provenanceKeepsTemplate });
      expect(error.message).toMatch(/foreign key constraint "FK_rendered_deployment_objects_template"/);
      expect(await templates.findOneBy({ id: template.id })).not.toBeNull();
      expect(await ds.getRepository(TemplateLabel).countBy({ templateId: template.id })).toBe(1);
    });

    it('removes its labels, annotations and targets when no provenance exists', async () => {
      const template = await makeTemplate(ds, {
        labels: [{ label: 'web' } as TemplateLabel],
        annotations: [{ key: 'tier', value: 'front' } as TemplateAnnotation],
      });
      await ds.getRepository(TemplateTarget).insert({ templateId: template.id, stackId: stack.id });
      const loaded = await templates.findOneOrFail({ where: { id: template.id }, relations: { labels: true, annotations: true, targets: true } });
      expect([loaded.labels?.length, loaded.annotations?.length, loaded.targets?.length]).toEqual([1, 1, 1]);

      await templates.delete(template.id);
      const left = await ds.query(
        `SELECT (SELECT count(*) FROM template_labels WHERE template_id = $1)::int AS labels,
                (SELECT count(*) FROM template_annotations WHERE template_id = $1)::int AS annotations,
                (SELECT count(*) FROM template_targets WHERE template_id = $1)::int AS targets`,
        [template.id],
      );
      expect(left).toEqual([{ labels: 0, annotations: 0, targets: 0 }]);
    });

    it('cascades from a hard-deleted generator, but not past provenance', async () => {
      const owner = await makeGenerator(ds);
      const template = await makeTemplate(ds, { generatorId: owner.id });
      await ds.getRepository(Generator).delete(owner.id);
      expect(await templates.findOne({ where: { id: template.id }, withDeleted: true })).toBeNull();

      // The deployment object belongs to another generator's stack, so only provenance holds.
      const audited = await makeGenerator(ds);
      const kept = await makeTemplate(ds, { generatorId: audited.id });
      await makeProvenance(ds, kept, await makeDeploymentObject(ds, stack));
      const error = await refusal(() => ds.getRepository(Generator).delete(audited.id));
      expect(error).toMatchObject({ code: expect.stringMatching(/^23(001|503)$/), constraint: TemplateRule.provenanceKeepsTemplate });
      expect(await templates.findOneBy({ id: kept.id })).not.toBeNull();
    });
  });
});

describe('rule functions in parallel queries', () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => ({ db, ds } = await migratedDatabase()));
  afterAll(() => db.dispose());

  it('a query calling the JSON rule function still works where the planner would go parallel', async () => {
    // On PostgreSQL 15 the function's EXCEPTION block cannot run in a parallel worker: it must
    // not be offered one.
    await makeTemplate(ds);
    const qr = ds.createQueryRunner();
    try {
      for (const setting of ['parallel_setup_cost = 0', 'parallel_tuple_cost = 0', 'min_parallel_table_scan_size = 0', 'max_parallel_workers_per_gather = 2']) {
        await qr.query(`SET ${setting}`);
      }
      const [{ n }] = await qr.query(`SELECT count(*)::int AS n FROM stack_templates WHERE stack_templates_is_json_object(parameters_schema || '')`);
      expect(n).toBe(1);
      // PL/pgSQL with an EXCEPTION block (PostgreSQL 15) is unsafe; the IS JSON version (16+) is safe.
      const [{ parallel, language }] = await qr.query(
        `SELECT p.proparallel AS parallel, l.lanname AS language FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
          WHERE p.proname = 'stack_templates_is_json_object'`);
      expect({ parallel, language }).toEqual(language === 'plpgsql' ? { parallel: 'u', language } : { parallel: 's', language: 'sql' });
    } finally {
      await qr.query('RESET ALL');
      await qr.release();
    }
  });
});
