import { DataSource } from 'typeorm';
import { TemplateRule } from '../src/templates/template-rules';
import { migratedDatabase, TestDatabase } from './support/test-database';

/** The entities describe exactly what the migrations build. */
describe('schema drift', () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => ({ db, ds } = await migratedDatabase()));
  afterAll(() => db.dispose());

  it("TypeORM's schema diff has nothing to change after the migrations", async () => {
    const diff = await ds.driver.createSchemaBuilder().log();
    expect(diff.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('the diff is not blind: it notices a dropped index and a changed column', async () => {
    await ds.query(`ALTER TABLE template_labels ALTER COLUMN label TYPE varchar(80)`);
    await ds.query(`DROP INDEX "IDX_template_targets_stack_id"`);
    try {
      const diff = (await ds.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query).join('\n');
      expect(diff).toMatch(/IDX_template_targets_stack_id/);
      expect(diff).toMatch(/template_labels/);
    } finally {
      await ds.query(`CREATE INDEX "IDX_template_targets_stack_id" ON template_targets (stack_id)`);
      await ds.query(`ALTER TABLE template_labels ALTER COLUMN label TYPE varchar(64)`);
    }
    expect((await ds.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
  });

  it('every rule name the entities and error mapping use exists in the migrated catalog', async () => {
    // What the diff cannot see (CHECK bodies, partial and NULLS NOT DISTINCT indexes, triggers)
    // is compared with the catalog here and in migrations.spec.ts.
    const rows: { name: string }[] = await ds.query(`
      SELECT conname AS name FROM pg_constraint
      UNION SELECT indexname FROM pg_indexes WHERE schemaname = 'public'
      UNION SELECT tgname FROM pg_trigger WHERE NOT tgisinternal`);
    const names = new Set(rows.map((r) => r.name));
    const missing = Object.values(TemplateRule).filter((name) => !names.has(name));
    expect(missing).toEqual([]);
  });

  it('entity CHECK expressions match the catalog (PostgreSQL normalises both the same way)', async () => {
    const entityChecks = ds.entityMetadatas.flatMap((m) => m.checks.map((c) => [c.name, c.expression] as const));
    expect(entityChecks.length).toBe(9);
    for (const [name, expression] of entityChecks) {
      const [{ catalog }] = await ds.query(`SELECT pg_get_constraintdef(oid) AS catalog FROM pg_constraint WHERE conname = $1`, [name]);
      // Add the entity's expression under a scratch name and compare PostgreSQL's rendering of both.
      const table = ds.entityMetadatas.find((m) => m.checks.some((c) => c.name === name))!.tableName;
      await ds.query(`ALTER TABLE ${table} ADD CONSTRAINT drift_probe CHECK (${expression}) NOT VALID`);
      try {
        const [{ probe }] = await ds.query(`SELECT pg_get_constraintdef(oid) AS probe FROM pg_constraint WHERE conname = 'drift_probe'`);
        expect(`${name}: ${probe.replace(/ NOT VALID$/, '')}`).toBe(`${name}: ${catalog}`);
      } finally {
        await ds.query(`ALTER TABLE ${table} DROP CONSTRAINT drift_probe`);
      }
    }
  });
});
