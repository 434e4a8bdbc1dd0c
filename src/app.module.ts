import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Env, loadEnv } from './config/env';
import { DatabaseModule, DatabaseModuleOptions } from './database/database.module';
import { HealthModule } from './health/health.module';
import { DeploymentObjectsModule } from './host/deployment-objects/deployment-objects.module';
import { GeneratorsModule } from './host/generators/generators.module';
import { StacksModule } from './host/stacks/stacks.module';
import { TemplatesModule } from './templates/templates.module';

@Module({})
export class AppModule {
  /** `env` defaults to the validated process environment; tests may hand in a database target. */
  static forRoot(options: Partial<DatabaseModuleOptions> = {}): DynamicModule {
    const env: Env = options.env ?? loadEnv();
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ app: env })] }),
        DatabaseModule.forRoot({ env, target: options.target }),
        GeneratorsModule,
        StacksModule,
        DeploymentObjectsModule,
        TemplatesModule,
        HealthModule,
      ],
    };
  }
}
