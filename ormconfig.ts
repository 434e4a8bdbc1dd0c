import 'reflect-metadata';
import { loadEnv } from './src/config/env';
import { createDataSource, openDatabaseTarget } from './src/database/database.options';

/**
 * TypeORM CLI data source (`npm run migration:run | migration:revert | migration:show`).
 * Same options as the app; with DATABASE_URL unset it opens the embedded database in
 * EMBEDDED_DB_DIR (refusing, with the holder's name, if the app already has it open).
 * The CLI awaits this promise, runs the command, then calls destroy(), which also stops PGlite.
 */
export default (async () => createDataSource(await openDatabaseTarget(loadEnv())))();
