import { TemplateRule, TemplateRuleName } from './template-rules';

/**
 * Typed errors for writes the database refuses. The rules live in the database (constraints and
 * triggers, see the StackTemplates migration); this file only turns PostgreSQL's refusal into an
 * error that names the rule in words and says whether it is a conflict with stored data (409) or
 * bad input (422). It never decides anything the database has not already decided.
 *
 * Errors are recognised by the constraint name PostgreSQL reports (the names the migration gives
 * and `TemplateRule` exports), never by message text, which depends on the server's language.
 */

/**
 * Length limits come from column types (varchar(64), varchar(255)), not from a named constraint:
 * PostgreSQL reports them as 22001 with no constraint, table or column. These names are this
 * module's own, for the `rule` field; they are not database objects. The table is read from the
 * statement TypeORM sent (`QueryFailedError.query`).
 */
export const TemplateLengthRule = {
  label: 'template_labels_label_length',
  annotation: 'template_annotations_length',
  template: 'stack_templates_length',
  /** The statement (and so the table) is unknown. */
  unknown: 'stack_templates_value_length',
} as const;

type ValuesOf<T> = T[keyof T];
export type TemplateViolationRule =
  | TemplateRuleName
  | ValuesOf<typeof TemplateLengthRule>;

/** What the caller was writing, when it knows: only used to word the message. */
export interface TemplateWriteContext {
  /** null: a system template. */
  generatorId?: string | null;
  name?: string;
  version?: number;
  templateId?: string;
  stackId?: string;
  deploymentObjectId?: string;
  templateVersion?: number;
}

/** The fields of a PostgreSQL error this file reads (as `pg` reports them). */
interface PgErrorFields {
  code?: string;
  constraint?: string;
  detail?: string;
  table?: string;
}

/** A write the database refused under a named rule. */
export abstract class TemplateRuleViolation extends Error {
  /** HTTP status a caller should answer with: 409 conflict with stored data, 422 bad input. */
  abstract readonly status: 409 | 422;
  /** SQLSTATE, table and DETAIL as PostgreSQL reported them, for logs. */
  readonly code?: string;
  readonly table?: string;
  readonly detail?: string;

  constructor(
    /** The constraint, trigger or length rule that refused the write. */
    readonly rule: TemplateViolationRule,
    message: string,
    /** The driver's error (TypeORM's QueryFailedError), kept for logs. */
    cause?: unknown,
    fields: PgErrorFields = {},
  ) {
    super(message, { cause });
    this.name = new.target.name;
    this.code = fields.code;
    this.table = fields.table;
    this.detail = fields.detail;
  }
}

/** The write conflicts with what is stored (a duplicate, an immutable row, a kept reference): 409. */
export class TemplateConflictError extends TemplateRuleViolation {
  readonly status = 409 as const;
}

/** The input breaks a rule on its own (blank, malformed, unknown reference, too long): 422. */
export class TemplateValidationError extends TemplateRuleViolation {
  readonly status = 422 as const;
}

type ViolationClass = typeof TemplateConflictError | typeof TemplateValidationError;

interface Wording {
  type: ViolationClass;
  words: (c: TemplateWriteContext) => string;
  /**
   * PostgreSQL's DETAIL for a CHECK on these tables is the whole failing row (template content,
   * parameters): too big and too raw for a message. Elsewhere it names the key or the short row.
   */
  rowDump?: true;
}

/**
 * A foreign key refuses for two reasons: a row names a key that does not exist (`missing`), or a
 * DELETE would orphan a RESTRICT reference (`stillReferenced`; only ON DELETE RESTRICT keys have one).
 */
interface ForeignKeyWording {
  missing: Wording;
  stillReferenced?: Wording;
}

const conflict = (words: Wording['words'], extra: Partial<Wording> = {}): Wording =>
  ({ type: TemplateConflictError, words, ...extra });
const invalid = (words: Wording['words'], extra: Partial<Wording> = {}): Wording =>
  ({ type: TemplateValidationError, words, ...extra });
const fixed = (text: string) => (): string => text;

/** "generator 1a2b…" when the id is known, "the generator" otherwise. */
const named = (thing: string, id: string | null | undefined): string => (id ? `${thing} ${id}` : `the ${thing}`);
const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
const owner = (c: TemplateWriteContext): string =>
  c.generatorId === null ? 'the system owner' : c.generatorId ? `generator ${c.generatorId}` : 'this owner';
const templateMissing = invalid((c) => `${capitalised(named('template', c.templateId))} does not exist`);

/** Every rule this module maps: the error class and the words. The one place to change either. */
const RULES: Record<TemplateViolationRule, Wording | ForeignKeyWording> = {
  // --- stack_templates ---------------------------------------------------------------------
  [TemplateRule.liveVersionUnique]: conflict((c) =>
    c.name !== undefined && c.version !== undefined
      ? `A live template "${c.name}" version ${c.version} already exists for ${owner(c)}`
      : 'A live template with this owner, name and version already exists'),
  [TemplateRule.nameNotBlank]: invalid(fixed('A template name must not be blank'), { rowDump: true }),
  [TemplateRule.contentNotBlank]: invalid(fixed('Template content must not be blank'), { rowDump: true }),
  [TemplateRule.versionPositive]: invalid(
    (c) => `A template version must be 1 or more${c.version !== undefined ? `, not ${c.version}` : ''}`,
    { rowDump: true },
  ),
  [TemplateRule.checksumSha256]: invalid(
    fixed('The checksum must be the lower-case hex SHA-256 of the template content (UTF-8); leave it out to have it computed'),
    { rowDump: true },
  ),
  [TemplateRule.parametersSchemaJsonObject]: invalid(fixed('The parameters schema must be a JSON object'), { rowDump: true }),
  [TemplateRule.templateImmutable]: conflict((c) =>
    `${capitalised(named('template version', c.templateId))} is immutable: only its description and deleted_at may change; publish a new version instead`),
  [TemplateRule.generatorExists]: {
    missing: invalid((c) => `${capitalised(named('generator', c.generatorId))} does not exist`),
  },

  // --- labels, annotations, targets ----------------------------------------------------------
  [TemplateRule.labelToken]: invalid(fixed('A label must be 1 to 64 characters with no whitespace')),
  [TemplateRule.labelUnique]: conflict(fixed('A template cannot carry the same label twice')),
  [TemplateRule.annotationKeyToken]: invalid(fixed('An annotation key must be 1 to 64 characters with no whitespace')),
  [TemplateRule.annotationValueToken]: invalid(fixed('An annotation value must be 1 to 64 characters with no whitespace')),
  [TemplateRule.annotationKeyUnique]: conflict(fixed('A template cannot carry the same annotation key twice')),
  [TemplateRule.targetUnique]: conflict((c) =>
    `${capitalised(named('template', c.templateId))} already targets ${named('stack', c.stackId)}`),
  [TemplateRule.targetStackExists]: {
    missing: invalid((c) => `${capitalised(named('stack', c.stackId))} does not exist`),
  },
  [TemplateRule.labelTemplateExists]: { missing: templateMissing },
  [TemplateRule.annotationTemplateExists]: { missing: templateMissing },
  [TemplateRule.targetTemplateExists]: { missing: templateMissing },

  // --- provenance ----------------------------------------------------------------------------
  [TemplateRule.provenanceUnique]: conflict((c) =>
    `${capitalised(named('deployment object', c.deploymentObjectId))} already has its provenance recorded`),
  [TemplateRule.provenanceParametersJsonObject]: invalid(
    fixed('Provenance parameters must be a JSON object'),
    { rowDump: true },
  ),
  [TemplateRule.provenanceImmutable]: conflict(
    fixed('Provenance records are immutable: they record how a deployment object was produced'),
  ),
  [TemplateRule.provenanceVersionMatch]: invalid((c) =>
    'Provenance must record the version of the template it points at' +
    (c.templateVersion !== undefined ? `: ${named('template', c.templateId)} is not version ${c.templateVersion}` : '')),
  [TemplateRule.provenanceKeepsTemplate]: {
    missing: templateMissing,
    stillReferenced: conflict((c) =>
      `${capitalised(named('template version', c.templateId))} has provenance records (it produced deployment objects), so it cannot be hard-deleted; soft-delete it instead`),
  },
  [TemplateRule.provenanceDeploymentObjectExists]: {
    missing: invalid((c) => `${capitalised(named('deployment object', c.deploymentObjectId))} does not exist`),
  },

  // --- column lengths (22001) ----------------------------------------------------------------
  [TemplateLengthRule.label]: invalid(fixed('A label is limited to 64 characters')),
  [TemplateLengthRule.annotation]: invalid(fixed('Annotation keys and values are limited to 64 characters')),
  [TemplateLengthRule.template]: invalid(
    fixed('A template name is limited to 255 characters (and a checksum is 64 hexadecimal characters)'),
  ),
  [TemplateLengthRule.unknown]: invalid(
    fixed('A value is too long for its column: labels, annotation keys and values are limited to 64 characters, template names to 255'),
  ),
};

/** The tables whose 22001 (value too long) this module words; other tables' are left alone. */
const LENGTH_RULE_BY_TABLE: Readonly<Partial<Record<string, TemplateViolationRule>>> = {
  template_labels: TemplateLengthRule.label,
  template_annotations: TemplateLengthRule.annotation,
  stack_templates: TemplateLengthRule.template,
};

/** The verb and table of a statement as TypeORM writes it (`INSERT INTO "t"`, `UPDATE "s"."t"`, ...). */
function statementOf(query: string | undefined): { verb: 'INSERT' | 'UPDATE' | 'DELETE'; table: string } | undefined {
  const match = /^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:(?:"[^"]+"|\w+)\.)?(?:"([^"]+)"|(\w+))/i.exec(query ?? '');
  if (match === null) return undefined;
  return {
    verb: match[1].split(/\s/)[0].toUpperCase() as 'INSERT' | 'UPDATE' | 'DELETE',
    table: match[2] ?? match[3].toLowerCase(),
  };
}

function isForeignKey(entry: Wording | ForeignKeyWording): entry is ForeignKeyWording {
  return 'missing' in entry;
}

function recognise(pg: PgErrorFields, query: string | undefined): { rule: TemplateViolationRule; wording: Wording } | undefined {
  if (pg.code === '22001') {
    const statement = statementOf(query);
    const rule = statement === undefined
      ? TemplateLengthRule.unknown
      : Object.hasOwn(LENGTH_RULE_BY_TABLE, statement.table) ? LENGTH_RULE_BY_TABLE[statement.table] : undefined;
    return rule === undefined ? undefined : { rule, wording: RULES[rule] as Wording };
  }
  const rule = pg.constraint;
  if (rule === undefined || !Object.hasOwn(RULES, rule)) return undefined;
  const entry = RULES[rule as TemplateViolationRule];
  if (!isForeignKey(entry)) return { rule: rule as TemplateViolationRule, wording: entry };
  // PostgreSQL 18 reports an ON DELETE RESTRICT refusal as 23001; 15 reports it as 23503, like a
  // missing key. The statement tells them apart: only a DELETE can be refused for a row that is
  // still referenced (an UPDATE of a referenced id is refused earlier, by the immutability trigger).
  const stillReferenced = pg.code === '23001' || (pg.code === '23503' && statementOf(query)?.verb === 'DELETE');
  const wording = stillReferenced ? entry.stillReferenced : entry.missing;
  return wording === undefined ? undefined : { rule: rule as TemplateViolationRule, wording };
}

/**
 * The typed error for a refusal under a rule this module knows (a TypeORM QueryFailedError, or a
 * `pg` error); anything else is returned unchanged, so `throw translateTemplateError(e)` is always
 * safe. `context` (what the caller was writing) only improves the wording.
 */
export function translateTemplateError(error: unknown, context: TemplateWriteContext = {}): unknown {
  if (error instanceof TemplateRuleViolation || typeof error !== 'object' || error === null) return error;
  const outer = error as { driverError?: unknown; query?: unknown };
  const pg = (typeof outer.driverError === 'object' && outer.driverError !== null ? outer.driverError : error) as PgErrorFields;
  const found = recognise(pg, typeof outer.query === 'string' ? outer.query : undefined);
  if (found === undefined) return error;
  const { rule, wording } = found;
  const detail = wording.rowDump || !pg.detail ? '' : ` ${pg.detail}`;
  const message = `${wording.words(context)} (rule ${rule}).${detail}`;
  return new wording.type(rule, message, error, { code: pg.code, table: pg.table, detail: pg.detail });
}

