import { DataSource, IsNull } from 'typeorm';
import { DeploymentObject } from '../src/host/deployment-objects/deployment-object.entity';
import { Generator } from '../src/host/generators/generator.entity';
import { Stack } from '../src/host/stacks/stack.entity';
import { StackTemplate } from '../src/templates/stack-template.entity';
import { makeDeploymentObject, makeGenerator, makeStack, makeTemplate } from './support/factories';
import { migratedDatabase, TestDatabase } from './support/test-database';

describe('soft-deleting a generator', () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => ({ db, ds } = await migratedDatabase()));
  afterAll(() => db.dispose());

  const deletedAt = async (entity: typeof StackTemplate | typeof Stack | typeof DeploymentObject | typeof Generator, id: string) =>
    (await ds.getRepository(entity).findOneOrFail({ where: { id }, withDeleted: true })).deletedAt;

  it('gives its live templates its deleted_at; earlier deletions, system and other generators\' templates keep theirs', async () => {
    const owner = await makeGenerator(ds);
    const other = await makeGenerator(ds);
    const live = [await makeTemplate(ds, { generatorId: owner.id }), await makeTemplate(ds, { generatorId: owner.id, version: 2 })];
    const earlier = await makeTemplate(ds, { generatorId: owner.id });
    const earlierTime = new Date('2024-01-02T03:04:05Z');
    await ds.getRepository(StackTemplate).update(earlier.id, { deletedAt: earlierTime });
    const system = await makeTemplate(ds, { generatorId: null });
    const others = await makeTemplate(ds, { generatorId: other.id });

    const when = new Date('2026-06-07T08:09:10Z');
    await ds.getRepository(Generator).update(owner.id, { deletedAt: when });

    for (const t of live) expect(await deletedAt(StackTemplate, t.id)).toEqual(when);
    expect(await deletedAt(StackTemplate, earlier.id)).toEqual(earlierTime);
    expect(await deletedAt(StackTemplate, system.id)).toBeNull();
    expect(await deletedAt(StackTemplate, others.id)).toBeNull();
    expect(await ds.getRepository(StackTemplate).countBy({ generatorId: owner.id })).toBe(0);
  });

  it('also retires its live stacks and their live deployment objects (host schema)', async () => {
    const owner = await makeGenerator(ds);
    const stack = await makeStack(ds, owner);
    const object = await makeDeploymentObject(ds, stack);
    const untouchedStack = await makeStack(ds, await makeGenerator(ds));
    const untouched = await makeDeploymentObject(ds, untouchedStack);

    await ds.getRepository(Generator).softDelete(owner.id);
    const when = await deletedAt(Generator, owner.id);
    expect(when).toBeInstanceOf(Date);
    expect(await deletedAt(Stack, stack.id)).toEqual(when);
    expect(await deletedAt(DeploymentObject, object.id)).toEqual(when);
    expect(await deletedAt(Stack, untouchedStack.id)).toBeNull();
    expect(await deletedAt(DeploymentObject, untouched.id)).toBeNull();
  });

  it('does nothing more when the generator is updated again or deleted a second time', async () => {
    const owner = await makeGenerator(ds);
    const first = new Date('2025-01-01T00:00:00Z');
    await ds.getRepository(Generator).update(owner.id, { deletedAt: first });
    const later = await makeTemplate(ds, { generatorId: owner.id });
    await ds.getRepository(Generator).update(owner.id, { description: 'renamed' });
    await ds.query(`UPDATE generators SET deleted_at = '2025-02-02' WHERE id = $1`, [owner.id]);
    expect(await deletedAt(StackTemplate, later.id)).toBeNull();
    expect(await ds.getRepository(StackTemplate).findOneBy({ id: later.id, deletedAt: IsNull() })).not.toBeNull();
  });
});
