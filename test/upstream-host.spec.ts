import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { StackTemplates1733600000000 } from '../src/migrations/1733600000000-StackTemplates';
import { readCatalog } from './support/catalog';
import { sha256 } from './support/factories';
import { createTestDatabase, TestDatabase } from './support/test-database';

/** StackTemplates on a database whose host tables came from the upstream broker's own SQL. */
describe('StackTemplates on an upstream-shaped host schema', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await db.dataSource({ migrations: [StackTemplates1733600000000], entities: [] });
    const sql = fs.readFileSync(path.join(__dirname, 'fixtures', 'upstream-host-schema.sql'), 'utf8');
    await ds.query(sql);
  });
  afterAll(() => db.dispose());

  it('applies, works, and reverts leaving the upstream objects exactly as they were', async () => {
    const before = await readCatalog(ds);
    expect((await ds.runMigrations()).map((m) => m.name)).toEqual(['StackTemplates1733600000000']);

    // The upstream cascade and ours both fire; ours retires the generator's templates.
    const [{ id: generatorId }] = await ds.query(`INSERT INTO generators (name) VALUES ('gen') RETURNING id`);
    const [{ id: stackId }] = await ds.query(`INSERT INTO stacks (name, generator_id) VALUES ('s', $1) RETURNING id`, [generatorId]);
    const [{ id: objectId }] = await ds.query(
      `INSERT INTO deployment_objects (stack_id, yaml_content, yaml_checksum) VALUES ($1, 'a: 1', 'x') RETURNING id`, [stackId]);
    const [{ id: templateId }] = await ds.query(
      `INSERT INTO stack_templates (generator_id, name, template_content, parameters_schema, checksum)
       VALUES ($1, 'web', 'a: {{ a }}', '{}', $2) RETURNING id`, [generatorId, sha256('a: {{ a }}')]);
    await ds.query(
      `INSERT INTO rendered_deployment_objects (deployment_object_id, template_id, template_version, template_parameters)
       VALUES ($1, $2, 1, '{"a":1}')`, [objectId, templateId]);
    await ds.query(`UPDATE generators SET deleted_at = now() WHERE id = $1`, [generatorId]);
    const [row] = await ds.query(
      `SELECT (SELECT deleted_at IS NOT NULL FROM stack_templates WHERE id = $1) AS template_deleted,
              (SELECT deleted_at IS NOT NULL FROM stacks WHERE id = $2) AS stack_deleted`, [templateId, stackId]);
    expect(row).toEqual({ template_deleted: true, stack_deleted: true });

    // Provenance holds the template; clear the rows, as an operator would, before reverting.
    await ds.query(`DELETE FROM deployment_objects WHERE id = $1`, [objectId]);
    await ds.query(`DELETE FROM stack_templates`);
    await ds.undoLastMigration();
    expect(await readCatalog(ds)).toEqual(before);
  });
});
