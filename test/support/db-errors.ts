/** What PostgreSQL reported, wherever TypeORM or pg put it. */
export interface DbErrorFields {
  code?: string;
  constraint?: string;
  message: string;
}

export function dbErrorOf(error: unknown): DbErrorFields {
  const e = error as { driverError?: DbErrorFields } & DbErrorFields;
  const driver = e.driverError ?? e;
  return { code: driver.code, constraint: driver.constraint, message: driver.message ?? String(error) };
}

/** Runs `work`, expects PostgreSQL to refuse it, and returns the error's fields. */
export async function refusal(work: () => Promise<unknown>): Promise<DbErrorFields> {
  try {
    await work();
  } catch (error) {
    return dbErrorOf(error);
  }
  throw new Error('expected the database to refuse this, but it succeeded');
}
