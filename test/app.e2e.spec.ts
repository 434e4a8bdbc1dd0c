import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getRepositoryToken } from '@nestjs/typeorm';
import request from 'supertest';
import { DataSource, Repository } from 'typeorm';
import { AppModule } from '../src/app.module';
import { loadEnv } from '../src/config/env';
import { StackTemplate } from '../src/templates/stack-template.entity';
import { templateFields } from './support/factories';
import { createTestDatabase, TestDatabase } from './support/test-database';

async function boot(db: TestDatabase): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ env: loadEnv({}), target: db.target })],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('the Nest app', () => {
  let db: TestDatabase;
  let app: INestApplication;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await boot(db);
  });
  afterAll(async () => {
    await app?.close();
    await db.dispose();
  });

  it('migrated the empty database at boot', async () => {
    const rows: { name: string }[] = await app.get(DataSource).query(`SELECT name FROM migrations ORDER BY id`);
    expect(rows.map((r) => r.name)).toEqual(['HostSchema1733500000000', 'StackTemplates1733600000000']);
  });

  it('serves the template entities through TemplatesModule', async () => {
    const repo = app.get<Repository<StackTemplate>>(getRepositoryToken(StackTemplate));
    const saved = await repo.save(repo.create({ ...templateFields(), labels: [{ label: 'web' }] as never }));
    const loaded = await repo.findOneOrFail({ where: { id: saved.id }, relations: { labels: true } });
    expect(loaded.labels?.map((l) => l.label)).toEqual(['web']);
  });

  it('reports the database reachable and nothing pending', async () => {
    const res = await request(app.getHttpServer()).get('/health').expect(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, migrations: { status: 'up', pending: [] } },
    });
  });

  it('reports a pending migration as unhealthy (503), and healthy again once applied', async () => {
    const ds = app.get(DataSource);
    await ds.query(`DELETE FROM stack_templates`);
    await ds.undoLastMigration();
    const res = await request(app.getHttpServer()).get('/health').expect(503);
    expect(res.body.error.migrations).toMatchObject({ status: 'down' });
    expect(JSON.stringify(res.body.error.migrations)).toContain('StackTemplates1733600000000');
    await ds.runMigrations();
    await request(app.getHttpServer()).get('/health').expect(200);
  });

  it('a second boot on the migrated database applies nothing and starts', async () => {
    await app.close();
    app = await boot(db);
    const rows: unknown[] = await app.get(DataSource).query(`SELECT name FROM migrations`);
    expect(rows).toHaveLength(2);
    await request(app.getHttpServer()).get('/health').expect(200);
  });
});
