import { DataSource } from 'typeorm';
import { DeploymentObject } from '../src/host/deployment-objects/deployment-object.entity';
import { Generator } from '../src/host/generators/generator.entity';
import { Stack } from '../src/host/stacks/stack.entity';
import { StackLabel } from '../src/host/stacks/stack-label.entity';
import { refusal } from './support/db-errors';
import { makeDeploymentObject, makeGenerator, makeStack } from './support/factories';
import { migratedDatabase, TestDatabase } from './support/test-database';

describe('host schema rules', () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => ({ db, ds } = await migratedDatabase()));
  afterAll(() => db.dispose());

  it('keeps generator and stack names unique among live rows only', async () => {
    const g = await makeGenerator(ds);
    expect(await refusal(() => makeGenerator(ds, { name: g.name }))).toMatchObject({ code: '23505', constraint: 'UQ_generators_live_name' });
    await ds.getRepository(Generator).softDelete(g.id);
    await makeGenerator(ds, { name: g.name });

    const owner = await makeGenerator(ds);
    const s = await makeStack(ds, owner);
    expect(await refusal(() => makeStack(ds, owner, { name: s.name }))).toMatchObject({ code: '23505', constraint: 'UQ_stacks_live_name' });
    await ds.getRepository(Stack).softDelete(s.id);
    await makeStack(ds, owner, { name: s.name });
  });

  it('maintains updated_at on update', async () => {
    const g = await makeGenerator(ds);
    await ds.query(`UPDATE generators SET updated_at = '2000-01-01' WHERE id = $1`, [g.id]);
    const [{ updated_at }] = await ds.query(`SELECT updated_at FROM generators WHERE id = $1`, [g.id]);
    expect(new Date(updated_at).getFullYear()).toBeGreaterThan(2000);
  });

  it('allows soft-deleting a deployment object once and refuses every other update', async () => {
    const stack = await makeStack(ds, await makeGenerator(ds));
    const object = await makeDeploymentObject(ds, stack);
    const repo = ds.getRepository(DeploymentObject);
    for (const change of [{ yamlContent: 'changed' }, { isDeletionMarker: true }, { stackId: (await makeStack(ds, await makeGenerator(ds))).id }]) {
      const error = await refusal(() => repo.update(object.id, change));
      expect(error).toMatchObject({ code: '23001', constraint: 'deployment_objects_immutable' });
      expect(error.message).toMatch(/deployment objects are immutable/);
    }
    await repo.softDelete(object.id);
    const deleted = await repo.findOneOrFail({ where: { id: object.id }, withDeleted: true });
    expect(deleted.deletedAt).toBeInstanceOf(Date);
    expect(await refusal(() => repo.restore(object.id))).toMatchObject({ constraint: 'deployment_objects_immutable' });
    expect(Number(deleted.sequenceId)).toBeGreaterThan(0);
  });

  it('removes stack labels with their stack and refuses a label twice', async () => {
    const stack = await makeStack(ds, await makeGenerator(ds));
    const labels = ds.getRepository(StackLabel);
    await labels.insert({ stackId: stack.id, label: 'env=prod' });
    expect(await refusal(() => labels.insert({ stackId: stack.id, label: 'env=prod' }))).toMatchObject({ constraint: 'UQ_stack_labels_stack_label' });
    await ds.getRepository(Stack).delete(stack.id);
    expect(await labels.countBy({ stackId: stack.id })).toBe(0);
  });
});
