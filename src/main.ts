import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { loadEnv } from './config/env';

async function bootstrap(): Promise<void> {
  const env = loadEnv();
  const app = await NestFactory.create(AppModule.forRoot({ env }));
  // SIGTERM/SIGINT close the HTTP server, then TypeORM, then the embedded database.
  app.enableShutdownHooks();
  await app.listen(env.port, '0.0.0.0');
  Logger.log(`listening on port ${env.port}; health at /health`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'Bootstrap');
  process.exitCode = 1;
});
