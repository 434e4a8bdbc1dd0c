import { DynamicModule, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Env } from '../config/env';
import { createDataSource, DatabaseTarget, openDatabaseTarget } from './database.options';
import { migrate } from './migrate';

export interface DatabaseModuleOptions {
  env: Env;
  /** Use this database instead of resolving one from env (tests hand in their own). */
  target?: DatabaseTarget;
}

/** Errors worth a retry at boot: the server is not (yet) reachable. Anything else is final. */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', '57P03'].includes(code ?? '');
}

/**
 * Opens the database (server or embedded), migrates it before the app serves anything, and
 * hands the DataSource to TypeOrmModule, which destroys it (and so the embedded database) on
 * shutdown.
 */
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    const logger = new Logger('Database');
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          // The DataSource and its options come from dataSourceFactory; these only steer retries.
          useFactory: () => ({
            retryAttempts: 5,
            retryDelay: 2000,
            toRetry: isTransient,
          }),
          dataSourceFactory: async () => {
            const target = options.target ?? (await openDatabaseTarget(options.env));
            const dataSource = createDataSource(target);
            try {
              await dataSource.initialize();
              const applied = await migrate(dataSource);
              logger.log(`${target.describe}: ${applied.length} migration(s) applied at boot`);
              return dataSource;
            } catch (error) {
              await dataSource.destroy().catch(() => undefined);
              throw error;
            }
          },
        }),
      ],
    };
  }
}
