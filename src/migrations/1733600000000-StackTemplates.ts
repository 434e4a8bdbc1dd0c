import { MigrationInterface, QueryRunner } from 'typeorm';
import { boundMigrationTransaction, refuseDataLoss } from '../database/migration-guards';

/**
 * Stack templates: versioned, parameterised YAML (Tera) with a JSON Schema for its parameters,
 * matched to stacks by labels and annotations, and provenance for every rendered deployment
 * object.
 *
 * Depends only on update_timestamp(), generators(id, deleted_at), stacks(id),
 * deployment_objects(id) and core PostgreSQL 15, so it also applies on a database whose host
 * tables came from the upstream broker's own migrations. Every object it creates is named here
 * (and prefixed so it cannot collide with the host's), and created with plain CREATE, never
 * OR REPLACE: a name clash fails the migration instead of silently replacing someone else's
 * object, which `down` would then drop.
 *
 * The rules live in the database, not in application code, so they hold whoever writes.
 */
export class StackTemplates1733600000000 implements MigrationInterface {
  name = 'StackTemplates1733600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await boundMigrationTransaction(queryRunner);
    // --- helper functions used by CHECK constraints --------------------------------------------
    // Is a text a JSON object? Used by CHECK constraints, so that the constraint, not a cast
    // error, reports the violation. PostgreSQL 16+ answers with the IS JSON predicate, an
    // inlinable SQL function. PostgreSQL 15 has no such predicate: parse, and turn a parse error
    // into false. That needs an EXCEPTION block, which costs a subtransaction per row (the
    // benchmark measured ~1.4 us) and cannot run in a parallel worker, hence PARALLEL UNSAFE.
    const [{ version }] = await queryRunner.query(`SELECT current_setting('server_version_num')::int AS version`);
    if (version >= 160000) {
      await queryRunner.query(`
        CREATE FUNCTION stack_templates_is_json_object(value text) RETURNS boolean
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
          SELECT value IS JSON OBJECT
        $$`);
    } else {
      await queryRunner.query(`
        CREATE FUNCTION stack_templates_is_json_object(value text) RETURNS boolean
        LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL UNSAFE AS $$
        BEGIN
          RETURN json_typeof(value::json) = 'object';
        EXCEPTION WHEN invalid_text_representation OR untranslatable_character THEN
          RETURN false;
        END;
        $$`);
    }
    // Labels, annotation keys and values: 1-64 characters with no whitespace, counting Unicode
    // spaces that [:space:] misses in the C locale.
    await queryRunner.query(`
      CREATE FUNCTION stack_templates_is_token(value text) RETURNS boolean
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT value ~ '^[^[:space:]\\u0085\\u00A0\\u1680\\u2000-\\u200B\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF]{1,64}$'
      $$`);

    // --- stack_templates ---------------------------------------------------------------------
    await queryRunner.query(`
      CREATE TABLE stack_templates (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        generator_id uuid,
        name varchar(255) NOT NULL, -- squawk-ignore prefer-text-field -- length is part of the broker schema contract; new table, nothing to rewrite
        description text,
        version integer NOT NULL DEFAULT 1, -- squawk-ignore prefer-bigint-over-int -- a version number per template name; 2^31 is out of reach
        template_content text NOT NULL,
        parameters_schema text NOT NULL,
        checksum varchar(64) NOT NULL, -- squawk-ignore prefer-text-field -- length is part of the broker schema contract; new table, nothing to rewrite
        CONSTRAINT "PK_stack_templates" PRIMARY KEY (id),
        CONSTRAINT "FK_stack_templates_generator" FOREIGN KEY (generator_id)
          REFERENCES generators (id) ON DELETE CASCADE,
        CONSTRAINT "CHK_stack_templates_name_not_blank" CHECK (name ~ '[^[:space:]]'),
        CONSTRAINT "CHK_stack_templates_content_not_blank" CHECK (template_content ~ '[^[:space:]]'),
        CONSTRAINT "CHK_stack_templates_version_positive" CHECK (version >= 1),
        CONSTRAINT "CHK_stack_templates_checksum_sha256" CHECK (
          checksum = encode(sha256(convert_to(template_content, 'UTF8')), 'hex')),
        CONSTRAINT "CHK_stack_templates_parameters_schema_json_object" CHECK (
          stack_templates_is_json_object(parameters_schema))
      )`);
    // One live row per (owner, name, version); NULL generator_id (system templates) is one owner.
    // Partial, so a soft-deleted version can be re-created.
    await queryRunner.query(`
      CREATE UNIQUE INDEX "UQ_stack_templates_live_version"
        ON stack_templates (generator_id, name, version) NULLS NOT DISTINCT
        WHERE deleted_at IS NULL`);
    // Full (not partial): also serves the FK's ON DELETE CASCADE from generators.
    await queryRunner.query(
      `CREATE INDEX "IDX_stack_templates_generator_id" ON stack_templates (generator_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_stack_templates_live_name" ON stack_templates (name) WHERE deleted_at IS NULL`,
    );
    await queryRunner.query(`
      CREATE TRIGGER update_stack_templates_timestamp BEFORE UPDATE ON stack_templates
      FOR EACH ROW EXECUTE FUNCTION update_timestamp()`);
    // A version is what provenance points at: its content must never change under it.
    await queryRunner.query(`
      CREATE FUNCTION stack_templates_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '%', TG_ARGV[1]
          USING ERRCODE = 'restrict_violation', CONSTRAINT = TG_ARGV[0],
                TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA;
      END;
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER stack_templates_immutable BEFORE UPDATE ON stack_templates
      FOR EACH ROW
      WHEN (
        (OLD.id, OLD.created_at, OLD.generator_id, OLD.name, OLD.version, OLD.template_content,
         OLD.parameters_schema, OLD.checksum)
        IS DISTINCT FROM
        (NEW.id, NEW.created_at, NEW.generator_id, NEW.name, NEW.version, NEW.template_content,
         NEW.parameters_schema, NEW.checksum)
      )
      EXECUTE FUNCTION stack_templates_refuse_update(
        'stack_templates_immutable',
        'stack template versions are immutable (stack_templates_immutable): only description and deleted_at may change; publish a new version instead')`);

    // --- template_labels / template_annotations / template_targets ---------------------------
    await queryRunner.query(`
      CREATE TABLE template_labels (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        template_id uuid NOT NULL,
        label varchar(64) NOT NULL, -- squawk-ignore prefer-text-field -- length is part of the broker schema contract; new table, nothing to rewrite
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_template_labels" PRIMARY KEY (id),
        CONSTRAINT "UQ_template_labels_template_label" UNIQUE (template_id, label),
        CONSTRAINT "FK_template_labels_template" FOREIGN KEY (template_id)
          REFERENCES stack_templates (id) ON DELETE CASCADE,
        CONSTRAINT "CHK_template_labels_label_token" CHECK (stack_templates_is_token(label))
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_template_labels_label" ON template_labels (label)`);

    await queryRunner.query(`
      CREATE TABLE template_annotations (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        template_id uuid NOT NULL,
        key varchar(64) NOT NULL, -- squawk-ignore prefer-text-field -- length is part of the broker schema contract; new table, nothing to rewrite
        value varchar(64) NOT NULL, -- squawk-ignore prefer-text-field -- length is part of the broker schema contract; new table, nothing to rewrite
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_template_annotations" PRIMARY KEY (id),
        CONSTRAINT "UQ_template_annotations_template_key" UNIQUE (template_id, key),
        CONSTRAINT "FK_template_annotations_template" FOREIGN KEY (template_id)
          REFERENCES stack_templates (id) ON DELETE CASCADE,
        CONSTRAINT "CHK_template_annotations_key_token" CHECK (stack_templates_is_token(key)),
        CONSTRAINT "CHK_template_annotations_value_token" CHECK (stack_templates_is_token(value))
      )`);
    // (key, value): matching is by key, or by key and value.
    await queryRunner.query(
      `CREATE INDEX "IDX_template_annotations_key_value" ON template_annotations (key, value)`,
    );

    await queryRunner.query(`
      CREATE TABLE template_targets (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        template_id uuid NOT NULL,
        stack_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_template_targets" PRIMARY KEY (id),
        CONSTRAINT "UQ_template_targets_template_stack" UNIQUE (template_id, stack_id),
        CONSTRAINT "FK_template_targets_template" FOREIGN KEY (template_id)
          REFERENCES stack_templates (id) ON DELETE CASCADE,
        CONSTRAINT "FK_template_targets_stack" FOREIGN KEY (stack_id)
          REFERENCES stacks (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX "IDX_template_targets_stack_id" ON template_targets (stack_id)`,
    );

    // --- rendered_deployment_objects (provenance) --------------------------------------------
    // template_id is ON DELETE RESTRICT: the audit trail outlives nothing it describes, so a
    // template version that produced deployment objects cannot be hard-deleted (soft-delete it).
    await queryRunner.query(`
      CREATE TABLE rendered_deployment_objects (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        deployment_object_id uuid NOT NULL,
        template_id uuid NOT NULL,
        template_version integer NOT NULL, -- squawk-ignore prefer-bigint-over-int -- a version number per template name; 2^31 is out of reach
        template_parameters text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_rendered_deployment_objects" PRIMARY KEY (id),
        CONSTRAINT "UQ_rendered_deployment_objects_deployment_object" UNIQUE (deployment_object_id),
        CONSTRAINT "FK_rendered_deployment_objects_deployment_object" FOREIGN KEY (deployment_object_id)
          REFERENCES deployment_objects (id) ON DELETE CASCADE,
        CONSTRAINT "FK_rendered_deployment_objects_template" FOREIGN KEY (template_id)
          REFERENCES stack_templates (id) ON DELETE RESTRICT,
        CONSTRAINT "CHK_rendered_deployment_objects_parameters_json_object" CHECK (
          stack_templates_is_json_object(template_parameters))
      )`);
    await queryRunner.query(`
      CREATE INDEX "IDX_rendered_deployment_objects_template_version"
        ON rendered_deployment_objects (template_id, template_version)`);
    await queryRunner.query(`
      CREATE TRIGGER rendered_deployment_objects_immutable BEFORE UPDATE ON rendered_deployment_objects
      FOR EACH ROW EXECUTE FUNCTION stack_templates_refuse_update(
        'rendered_deployment_objects_immutable',
        'provenance rows are immutable (rendered_deployment_objects_immutable): they record how a deployment object was produced')`);
    // template_version repeats the version of the row template_id points at; a mismatch would
    // make the audit trail lie.
    await queryRunner.query(`
      CREATE FUNCTION stack_templates_check_provenance_version() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        actual integer;
      BEGIN
        SELECT version INTO actual FROM stack_templates WHERE id = NEW.template_id;
        IF FOUND AND actual <> NEW.template_version THEN
          RAISE EXCEPTION 'provenance must record the version of the template it points at (rendered_deployment_objects_version_match): template % is version %, not %',
              NEW.template_id, actual, NEW.template_version
            USING ERRCODE = 'check_violation', CONSTRAINT = 'rendered_deployment_objects_version_match',
                  TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA;
        END IF;
        RETURN NEW;
      END;
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER rendered_deployment_objects_version_match BEFORE INSERT ON rendered_deployment_objects
      FOR EACH ROW EXECUTE FUNCTION stack_templates_check_provenance_version()`);

    // --- cascade from the host ---------------------------------------------------------------
    // Soft-deleting a generator retires its live templates with the same deleted_at; templates
    // deleted earlier keep their own time, system and other generators' templates are untouched.
    await queryRunner.query(`
      CREATE FUNCTION stack_templates_cascade_generator_soft_delete() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE stack_templates SET deleted_at = NEW.deleted_at
         WHERE generator_id = NEW.id AND deleted_at IS NULL;
        RETURN NULL;
      END;
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER stack_templates_cascade_generator_soft_delete
      AFTER UPDATE OF deleted_at ON generators
      FOR EACH ROW WHEN (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL)
      EXECUTE FUNCTION stack_templates_cascade_generator_soft_delete()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await boundMigrationTransaction(queryRunner);
    await refuseDataLoss(queryRunner, this.name, ['rendered_deployment_objects', 'template_targets', 'template_annotations', 'template_labels', 'stack_templates']);
    await queryRunner.query(`DROP TRIGGER stack_templates_cascade_generator_soft_delete ON generators`);
    await queryRunner.query(`DROP FUNCTION stack_templates_cascade_generator_soft_delete()`);
    await queryRunner.query(`-- squawk-ignore ban-drop-table -- revert only; refuseDataLoss() found it empty or was overridden
    DROP TABLE rendered_deployment_objects`);
    await queryRunner.query(`DROP FUNCTION stack_templates_check_provenance_version()`);
    await queryRunner.query(`-- squawk-ignore ban-drop-table -- revert only; refuseDataLoss() found it empty or was overridden
    DROP TABLE template_targets`);
    await queryRunner.query(`-- squawk-ignore ban-drop-table -- revert only; refuseDataLoss() found it empty or was overridden
    DROP TABLE template_annotations`);
    await queryRunner.query(`-- squawk-ignore ban-drop-table -- revert only; refuseDataLoss() found it empty or was overridden
    DROP TABLE template_labels`);
    await queryRunner.query(`-- squawk-ignore ban-drop-table -- revert only; refuseDataLoss() found it empty or was overridden
    DROP TABLE stack_templates`);
    await queryRunner.query(`DROP FUNCTION stack_templates_refuse_update()`);
    await queryRunner.query(`DROP FUNCTION stack_templates_is_token(text)`);
    await queryRunner.query(`DROP FUNCTION stack_templates_is_json_object(text)`);
  }
}
