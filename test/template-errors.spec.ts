import {
  Body, Controller, Delete, HttpCode, Inject, INestApplication, Param, Patch, Post,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { PlatformTools } from 'typeorm/platform/PlatformTools';
import { AppModule } from '../src/app.module';
import { loadEnv } from '../src/config/env';
import { Generator } from '../src/host/generators/generator.entity';
import { Stack } from '../src/host/stacks/stack.entity';
import { StackTemplate } from '../src/templates/stack-template.entity';
import {
  TemplateConflictError, TemplateLengthRule, TemplateRuleViolation, TemplateValidationError,
  translateTemplateError,
} from '../src/templates/template-errors';
import { TemplateLabel } from '../src/templates/template-label.entity';
import { TemplateRule } from '../src/templates/template-rules';
import { TemplatesModule } from '../src/templates/templates.module';
import { PublishTemplateInput, TemplateChanges, TemplatesService } from '../src/templates/templates.service';
import { makeDeploymentObject, makeGenerator, makeStack, sha256, unique } from './support/factories';
import { createTestDatabase, TestDatabase } from './support/test-database';

const MISSING = '00000000-0000-4000-8000-000000000000';
const CONTENT = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ name }}\n';

/** A test-only controller: what a broker's controller would do with the service. */
@Controller('test/templates')
class TemplatesTestController {
  constructor(
    @Inject(TemplatesService) private readonly templates: TemplatesService,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  @Post()
  publish(@Body() body: PublishTemplateInput) {
    return this.templates.publish(body);
  }

  @Patch(':id')
  update(@Param('id') id: string, @Body() body: TemplateChanges) {
    return this.templates.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string) {
    await this.templates.hardDelete(id);
  }

  /** Writes through a repository, bypassing the service: the filter's safety net. */
  @Post(':id/raw-labels')
  async rawLabel(@Param('id') id: string, @Body() body: { label: string }) {
    await this.dataSource.getRepository(TemplateLabel).insert({ templateId: id, label: body.label });
  }

  /** A refusal under a rule that is not a template rule: left to Nest's default handling. */
  @Post('raw-generators')
  async rawGenerator(@Body() body: { name: string }) {
    await this.dataSource.getRepository(Generator).insert({ name: body.name });
  }
}

async function boot(db: TestDatabase): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ env: loadEnv({}), target: db.target }), TemplatesModule],
    controllers: [TemplatesTestController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

/** Runs `work`, expects a typed refusal, and returns it. */
async function refused(work: () => Promise<unknown>): Promise<TemplateRuleViolation> {
  try {
    await work();
  } catch (error) {
    if (error instanceof TemplateRuleViolation) return error;
    throw new Error(`expected a TemplateRuleViolation, got ${String(error)}`);
  }
  throw new Error('expected the write to be refused, but it succeeded');
}

/** The message is words naming the rule, not the driver's dump. */
function expectPlainWords(error: TemplateRuleViolation): void {
  expect(error.message).toContain(`(rule ${error.rule})`);
  expect(error.message).not.toMatch(/QueryFailedError|driverError|violates|^error:|INSERT INTO|DELETE FROM|UPDATE "/);
  expect(error.cause).toBeDefined();
}

describe('refused template writes, as typed errors', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let ds: DataSource;
  let service: TemplatesService;
  let generator: Generator;
  let stack: Stack;

  /** Rows in every template table: a refused write must leave them all as they were. */
  async function rowCounts(): Promise<Record<string, number>> {
    const [row] = await ds.query(`
      SELECT (SELECT count(*) FROM stack_templates)::int AS templates,
             (SELECT count(*) FROM template_labels)::int AS labels,
             (SELECT count(*) FROM template_annotations)::int AS annotations,
             (SELECT count(*) FROM template_targets)::int AS targets,
             (SELECT count(*) FROM rendered_deployment_objects)::int AS provenance`);
    return row;
  }

  /** Expects `work` to be refused with nothing written, and returns the refusal. */
  async function refusedUnchanged(work: () => Promise<unknown>): Promise<TemplateRuleViolation> {
    const before = await rowCounts();
    const error = await refused(work);
    expect(await rowCounts()).toEqual(before);
    expectPlainWords(error);
    return error;
  }

  const input = (fields: Partial<PublishTemplateInput> = {}): PublishTemplateInput => ({
    generatorId: generator.id,
    name: unique('tpl'),
    version: 1,
    templateContent: CONTENT,
    parametersSchema: { type: 'object', properties: { name: { type: 'string' } } },
    labels: ['web'],
    annotations: { tier: 'front' },
    ...fields,
  });

  async function withProvenance(): Promise<StackTemplate> {
    const template = await service.publish(input({ version: 3 }));
    const object = await makeDeploymentObject(ds, stack);
    await service.recordProvenance({
      deploymentObjectId: object.id, templateId: template.id, templateVersion: 3, templateParameters: { name: 'web' },
    });
    return template;
  }

  beforeAll(async () => {
    // The app logs every failed query (logging: ['error']); here the refusals are the point.
    jest.spyOn(PlatformTools, 'logError').mockImplementation(() => undefined);
    db = await createTestDatabase();
    app = await boot(db);
    ds = app.get(DataSource);
    service = app.get(TemplatesService);
    generator = await makeGenerator(ds);
    stack = await makeStack(ds, generator);
  });
  afterAll(async () => {
    await app?.close();
    await db?.dispose();
    jest.restoreAllMocks();
  });

  describe('the service', () => {
    it('publishes a version with its labels and annotations, computing the checksum', async () => {
      const published = await service.publish(input({ name: 'published', description: 'first' }));
      const latest = await service.latestVersion(generator.id, 'published');
      expect(latest).toMatchObject({ id: published.id, version: 1, checksum: sha256(CONTENT), description: 'first' });
      expect(latest?.labels?.map((l) => l.label)).toEqual(['web']);
      expect(latest?.annotations?.map((a) => [a.key, a.value])).toEqual([['tier', 'front']]);
    });

    it('refuses a second live version with the same owner, name and version (409), writing nothing', async () => {
      await service.publish(input({ name: 'web', version: 2 }));
      const error = await refusedUnchanged(() => service.publish(input({ name: 'web', version: 2, labels: ['other'] })));
      expect(error).toBeInstanceOf(TemplateConflictError);
      expect(error).toMatchObject({ rule: TemplateRule.liveVersionUnique, status: 409, code: '23505' });
      expect(error.message).toContain(
        `A live template "web" version 2 already exists for generator ${generator.id} (rule UQ_stack_templates_live_version).`,
      );
      // PostgreSQL's DETAIL, which names the key.
      expect(error.message).toContain('already exists.');

      await service.publish(input({ generatorId: null, name: 'web', version: 2 }));
      const system = await refused(() => service.publish(input({ generatorId: null, name: 'web', version: 2 })));
      expect(system.message).toContain('A live template "web" version 2 already exists for the system owner');
    });

    it('refuses a wrong checksum (422) without dumping the row into the message', async () => {
      const error = await refusedUnchanged(() => service.publish(input({ checksum: sha256('something else') })));
      expect(error).toBeInstanceOf(TemplateValidationError);
      expect(error).toMatchObject({ rule: TemplateRule.checksumSha256, status: 422, code: '23514' });
      expect(error.message).toMatch(/^The checksum must be the lower-case hex SHA-256 of the template content/);
      expect(error.message).not.toContain('Failing row');
      expect(error.message).not.toContain(CONTENT);
    });

    it('refuses a label with whitespace (422), and nothing of the template is written', async () => {
      const name = unique('tpl');
      const error = await refusedUnchanged(() => service.publish(input({ name, labels: ['ok', 'bad label'] })));
      expect(error).toBeInstanceOf(TemplateValidationError);
      expect(error).toMatchObject({ rule: TemplateRule.labelToken, status: 422 });
      expect(error.message).toContain('A label must be 1 to 64 characters with no whitespace');
      expect(error.message).toContain('bad label');
      expect(await ds.getRepository(StackTemplate).count({ where: { name }, withDeleted: true })).toBe(0);
    });

    it('refuses an annotation value with whitespace and a repeated label', async () => {
      const value = await refusedUnchanged(() => service.publish(input({ annotations: { tier: 'front end' } })));
      expect(value).toMatchObject({ rule: TemplateRule.annotationValueToken, status: 422 });
      const twice = await refusedUnchanged(() => service.publish(input({ labels: ['web', 'web'] })));
      expect(twice).toBeInstanceOf(TemplateConflictError);
      expect(twice).toMatchObject({ rule: TemplateRule.labelUnique, status: 409 });
    });

    it.each([
      ['name', { name: 'renamed' }],
      ['version', { version: 9 }],
      ['content', { templateContent: 'x: 1\n', checksum: sha256('x: 1\n') }],
      ['owner', { generatorId: null }],
    ])('refuses changing the %s of a version (409), leaving the row as it was', async (_what, changes) => {
      const template = await service.publish(input());
      const stored = await ds.getRepository(StackTemplate).findOneByOrFail({ id: template.id });
      const error = await refusedUnchanged(() => service.update(template.id, changes as TemplateChanges));
      expect(error).toBeInstanceOf(TemplateConflictError);
      expect(error).toMatchObject({ rule: TemplateRule.templateImmutable, status: 409, code: '23001' });
      expect(error.message).toBe(
        `Template version ${template.id} is immutable: only its description and deleted_at may change; publish a new version instead (rule stack_templates_immutable).`,
      );
      expect(await ds.getRepository(StackTemplate).findOneByOrFail({ id: template.id })).toEqual(stored);
    });

    it('changes the description, soft-deletes, and restores', async () => {
      const template = await service.publish(input());
      expect(await service.updateDescription(template.id, 'documented')).toMatchObject({ description: 'documented' });
      expect(await service.softDelete(template.id)).toBe(true);
      expect(await service.softDelete(template.id)).toBe(false);
      expect(await service.latestVersion(generator.id, template.name)).toBeNull();
      expect(await service.restore(template.id)).toBe(true);
      expect(await service.updateDescription(MISSING, 'nobody')).toBeNull();
    });

    it('refuses restoring a version while a live copy exists (409)', async () => {
      const first = await service.publish(input());
      await service.softDelete(first.id);
      await service.publish(input({ name: first.name }));
      const error = await refusedUnchanged(() => service.restore(first.id));
      expect(error).toMatchObject({ rule: TemplateRule.liveVersionUnique, status: 409 });
      expect(error.message).toMatch(/^A live template with this owner, name and version already exists/);
    });

    it('refuses hard-deleting a version with provenance (409, on PostgreSQL 15 and 18), keeping everything', async () => {
      const template = await withProvenance();
      const error = await refusedUnchanged(() => service.hardDelete(template.id));
      expect(error).toBeInstanceOf(TemplateConflictError);
      expect(error).toMatchObject({ rule: TemplateRule.provenanceKeepsTemplate, status: 409 });
      expect(error.code).toMatch(/^23(001|503)$/);
      expect(error.message).toMatch(/has provenance records .* cannot be hard-deleted; soft-delete it instead \(rule FK_rendered_deployment_objects_template\)/);
      expect(await service.softDelete(template.id)).toBe(true);
    });

    it('hard-deletes a version without provenance', async () => {
      const template = await service.publish(input());
      expect(await service.hardDelete(template.id)).toBe(true);
      expect(await service.hardDelete(template.id)).toBe(false);
    });

    it('refuses an unknown generator (422)', async () => {
      const error = await refusedUnchanged(() => service.publish(input({ generatorId: MISSING })));
      expect(error).toBeInstanceOf(TemplateValidationError);
      expect(error).toMatchObject({ rule: TemplateRule.generatorExists, status: 422, code: '23503' });
      expect(error.message).toMatch(new RegExp(`^Generator ${MISSING} does not exist \\(rule FK_stack_templates_generator\\)`));
    });

    it('refuses values longer than their column (422), naming the limit', async () => {
      const label = await refusedUnchanged(() => service.publish(input({ labels: ['x'.repeat(65)] })));
      expect(label).toBeInstanceOf(TemplateValidationError);
      expect(label).toMatchObject({ rule: TemplateLengthRule.label, status: 422, code: '22001' });
      expect(label.message).toBe('A label is limited to 64 characters (rule template_labels_label_length).');

      const annotation = await refusedUnchanged(() => service.publish(input({ annotations: { k: 'v'.repeat(65) } })));
      expect(annotation).toMatchObject({ rule: TemplateLengthRule.annotation, status: 422 });
      expect(annotation.message).toContain('64 characters');

      const name = await refusedUnchanged(() => service.publish(input({ name: 'n'.repeat(256) })));
      expect(name).toMatchObject({ rule: TemplateLengthRule.template, status: 422 });
      expect(name.message).toContain('255 characters');
    });

    it('refuses other bad input (422): blank name, version 0, a schema that is not an object', async () => {
      expect(await refusedUnchanged(() => service.publish(input({ name: '  ' }))))
        .toMatchObject({ rule: TemplateRule.nameNotBlank, status: 422 });
      const version = await refusedUnchanged(() => service.publish(input({ version: 0 })));
      expect(version).toMatchObject({ rule: TemplateRule.versionPositive, status: 422 });
      expect(version.message).toMatch(/^A template version must be 1 or more, not 0 /);
      expect(await refusedUnchanged(() => service.publish(input({ parametersSchema: '[]' }))))
        .toMatchObject({ rule: TemplateRule.parametersSchemaJsonObject, status: 422 });
    });

    it('refuses provenance recording another version than its template (422)', async () => {
      const template = await service.publish(input({ version: 3 }));
      const object = await makeDeploymentObject(ds, stack);
      const error = await refusedUnchanged(() => service.recordProvenance({
        deploymentObjectId: object.id, templateId: template.id, templateVersion: 2, templateParameters: {},
      }));
      expect(error).toBeInstanceOf(TemplateValidationError);
      expect(error).toMatchObject({ rule: TemplateRule.provenanceVersionMatch, status: 422, code: '23514' });
      expect(error.message).toContain(`template ${template.id} is not version 2`);
    });

    it('refuses provenance for an unknown template (422, not the 409 of a hard delete) and twice for one object (409)', async () => {
      const template = await service.publish(input());
      const object = await makeDeploymentObject(ds, stack);
      const unknown = await refusedUnchanged(() => service.recordProvenance({
        deploymentObjectId: object.id, templateId: MISSING, templateVersion: 1, templateParameters: {},
      }));
      expect(unknown).toBeInstanceOf(TemplateValidationError);
      expect(unknown).toMatchObject({ rule: TemplateRule.provenanceKeepsTemplate, status: 422, code: '23503' });
      expect(unknown.message).toMatch(new RegExp(`^Template ${MISSING} does not exist`));

      const record = () => service.recordProvenance({
        deploymentObjectId: object.id, templateId: template.id, templateVersion: 1, templateParameters: '{"a":1}',
      });
      await record();
      const twice = await refusedUnchanged(record);
      expect(twice).toMatchObject({ rule: TemplateRule.provenanceUnique, status: 409 });
    });

    it('targets a stack once (409 twice); an unknown stack or template is 422', async () => {
      const template = await service.publish(input());
      await service.addTarget(template.id, stack.id);
      const twice = await refusedUnchanged(() => service.addTarget(template.id, stack.id));
      expect(twice).toMatchObject({ rule: TemplateRule.targetUnique, status: 409 });
      expect(twice.message).toContain(`Template ${template.id} already targets stack ${stack.id}`);
      expect(await refusedUnchanged(() => service.addTarget(template.id, MISSING)))
        .toMatchObject({ rule: TemplateRule.targetStackExists, status: 422 });
      expect(await refusedUnchanged(() => service.addTarget(MISSING, stack.id)))
        .toMatchObject({ rule: TemplateRule.targetTemplateExists, status: 422 });
    });

    it('lets errors that are not template rules through unchanged', async () => {
      const plain = new Error('boom');
      expect(translateTemplateError(plain)).toBe(plain);
      expect(translateTemplateError('text')).toBe('text');
      expect(translateTemplateError(null)).toBeNull();
      const name = unique('gen');
      await makeGenerator(ds, { name });
      const hostRule = await makeGenerator(ds, { name }).catch((e: unknown) => e);
      expect(hostRule).toMatchObject({ driverError: { constraint: 'UQ_generators_live_name' } });
      expect(translateTemplateError(hostRule)).toBe(hostRule);
      const tooLongElsewhere = await makeGenerator(ds, { name: 'g'.repeat(256) }).catch((e: unknown) => e);
      expect(tooLongElsewhere).toMatchObject({ driverError: { code: '22001' } });
      expect(translateTemplateError(tooLongElsewhere)).toBe(tooLongElsewhere);
    });

    it('recognises a bare pg error by its constraint, and keeps an already typed error', async () => {
      const bare = { code: '23505', constraint: TemplateRule.labelUnique, detail: 'Key (template_id, label)=(x, web) already exists.' };
      const typed = translateTemplateError(bare) as TemplateRuleViolation;
      expect(typed).toBeInstanceOf(TemplateConflictError);
      expect(typed.message).toBe(
        'A template cannot carry the same label twice (rule UQ_template_labels_template_label). Key (template_id, label)=(x, web) already exists.',
      );
      expect(typed.cause).toBe(bare);
      expect(translateTemplateError(typed)).toBe(typed);
      // 23001 is a RESTRICT refusal whatever the statement; 22001 without a statement lists every limit.
      expect(translateTemplateError({ code: '23001', constraint: TemplateRule.provenanceKeepsTemplate }))
        .toBeInstanceOf(TemplateConflictError);
      expect(translateTemplateError({ code: '22001' })).toMatchObject({ rule: TemplateLengthRule.unknown, status: 422 });
    });
  });

  describe('over HTTP, through the app-wide filter', () => {
    const http = () => request(app.getHttpServer());

    it('answers a duplicate live version with 409 and the rule', async () => {
      const body = input({ name: 'http-web', version: 1 });
      await http().post('/test/templates').send(body).expect(201);
      const res = await http().post('/test/templates').send(body).expect(409);
      expect(res.body).toEqual({
        statusCode: 409,
        error: 'Conflict',
        rule: TemplateRule.liveVersionUnique,
        message: expect.stringContaining(`A live template "http-web" version 1 already exists for generator ${generator.id}`),
      });
    });

    it('answers a whitespace label and a wrong checksum with 422', async () => {
      const label = await http().post('/test/templates').send(input({ labels: ['bad label'] })).expect(422);
      expect(label.body).toMatchObject({ statusCode: 422, error: 'Unprocessable Entity', rule: TemplateRule.labelToken });
      const checksum = await http().post('/test/templates').send(input({ checksum: 'f'.repeat(64) })).expect(422);
      expect(checksum.body).toMatchObject({ statusCode: 422, rule: TemplateRule.checksumSha256 });
      expect(checksum.body.message).not.toMatch(/QueryFailedError|violates/);
    });

    it('answers changing an immutable column and hard-deleting a template with provenance with 409', async () => {
      const template = await withProvenance();
      const patch = await http().patch(`/test/templates/${template.id}`).send({ name: 'renamed' }).expect(409);
      expect(patch.body).toMatchObject({ statusCode: 409, error: 'Conflict', rule: TemplateRule.templateImmutable });
      const del = await http().delete(`/test/templates/${template.id}`).expect(409);
      expect(del.body).toMatchObject({ statusCode: 409, rule: TemplateRule.provenanceKeepsTemplate });
      expect(del.body.message).toContain('soft-delete it instead');
      await http().patch(`/test/templates/${template.id}`).send({ description: 'fine' }).expect(200);
    });

    it('also maps a refusal from a repository write that bypassed the service', async () => {
      const template = await service.publish(input());
      const res = await http().post(`/test/templates/${template.id}/raw-labels`).send({ label: 'no\u00a0break' }).expect(422);
      expect(res.body).toMatchObject({ statusCode: 422, rule: TemplateRule.labelToken });
    });

    it('leaves other database errors to Nest (500, no driver detail)', async () => {
      const name = unique('gen');
      await http().post('/test/templates/raw-generators').send({ name }).expect(201);
      const res = await http().post('/test/templates/raw-generators').send({ name }).expect(500);
      expect(res.body).toEqual({ statusCode: 500, message: 'Internal server error' });
    });
  });
});
