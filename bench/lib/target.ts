import { DatabaseTarget } from '../../src/database/database.options';
import { createTestDatabase } from '../../test/support/test-database';

/**
 * Where the bench runs: the same scratch database the test suite uses, created on the server
 * named by DATABASE_URL (and dropped at the end), or, with DATABASE_URL unset, a fresh in-memory
 * embedded PostgreSQL (PGlite). Nothing the bench does touches any other database.
 */
export interface BenchTarget extends DatabaseTarget {
  kind: 'postgresql' | 'pglite';
  /** Drops the scratch database, or stops PGlite. Idempotent. */
  dispose(): Promise<void>;
}

export async function openBenchTarget(): Promise<BenchTarget> {
  const db = await createTestDatabase('stack_templates_bench');
  let disposed: Promise<void> | undefined;
  return {
    ...db.target,
    kind: db.kind === 'server' ? 'postgresql' : 'pglite',
    dispose: () => (disposed ??= db.dispose()),
  };
}
