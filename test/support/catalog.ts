import { DataSource } from 'typeorm';

/**
 * Everything the migrations create in the public schema, as comparable text: tables and their
 * columns (type, nullability, default), constraints, indexes, triggers, functions and sequences.
 * TypeORM's own bookkeeping table is left out.
 */
export interface Catalog {
  columns: string[];
  constraints: string[];
  indexes: string[];
  triggers: string[];
  functions: string[];
  sequences: string[];
}

export async function readCatalog(ds: DataSource): Promise<Catalog> {
  const list = async (sql: string): Promise<string[]> =>
    ((await ds.query(sql)) as { item: string }[]).map((r) => r.item);
  return {
    columns: await list(`
      SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
             || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
             || COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') AS item
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
         AND c.relname <> 'migrations'
       ORDER BY 1`),
    constraints: await list(`
      SELECT c.relname || ' ' || con.conname || ' ' || pg_get_constraintdef(con.oid) AS item
        FROM pg_constraint con
        JOIN pg_class c ON c.oid = con.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relname <> 'migrations'
       ORDER BY 1`),
    indexes: await list(`
      SELECT indexdef AS item FROM pg_indexes
       WHERE schemaname = 'public' AND tablename <> 'migrations' ORDER BY 1`),
    triggers: await list(`
      SELECT pg_get_triggerdef(t.oid) AS item
        FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND NOT t.tgisinternal
       ORDER BY 1`),
    functions: await list(`
      SELECT pg_get_functiondef(p.oid) AS item
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = 'public'
       ORDER BY 1`),
    sequences: await list(`
      SELECT sequencename || ' ' || data_type::text AS item FROM pg_sequences
       WHERE schemaname = 'public' AND sequencename <> 'migrations_id_seq' ORDER BY 1`),
  };
}

export function objectNames(catalog: Catalog): string[] {
  return [...catalog.constraints, ...catalog.indexes, ...catalog.triggers, ...catalog.functions];
}
