import { MigrationInterface, QueryRunner } from 'typeorm';
import { boundMigrationTransaction, refuseDataLoss } from '../database/migration-guards';

/**
 * The broker's own tables that stack templates build on: generators, stacks (with their labels
 * and annotations) and immutable deployment objects, modelled on the upstream Brokkr broker.
 *
 * Functions are created with plain CREATE (not OR REPLACE): if one of the same name already
 * exists, the migration fails instead of silently replacing it, so `down` never drops an object
 * it did not create.
 */
export class HostSchema1733500000000 implements MigrationInterface {
  name = 'HostSchema1733500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await boundMigrationTransaction(queryRunner);
    await queryRunner.query(`
      CREATE FUNCTION update_timestamp() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.updated_at = CURRENT_TIMESTAMP;
        RETURN NEW;
      END;
      $$`);

    await queryRunner.query(`
      CREATE TABLE generators (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        name varchar(255) NOT NULL, -- squawk-ignore prefer-text-field -- length is part of the broker schema contract; new table, nothing to rewrite
        description text,
        pak_hash text,
        last_active_at timestamptz,
        is_active boolean NOT NULL DEFAULT true,
        CONSTRAINT "PK_generators" PRIMARY KEY (id)
      )`);
    // A generator's name may be reused once the old one is soft-deleted.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_generators_live_name" ON generators (name) WHERE deleted_at IS NULL`,
    );
    await queryRunner.query(`
      CREATE TRIGGER update_generators_timestamp BEFORE UPDATE ON generators
      FOR EACH ROW EXECUTE FUNCTION update_timestamp()`);

    await queryRunner.query(`
      CREATE TABLE stacks (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        name varchar(255) NOT NULL, -- squawk-ignore prefer-text-field -- length is part of the broker schema contract; new table, nothing to rewrite
        description text,
        generator_id uuid NOT NULL,
        CONSTRAINT "PK_stacks" PRIMARY KEY (id),
        CONSTRAINT "FK_stacks_generator" FOREIGN KEY (generator_id) REFERENCES generators (id)
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_stacks_live_name" ON stacks (name) WHERE deleted_at IS NULL`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_stacks_generator_id" ON stacks (generator_id)`);
    await queryRunner.query(`
      CREATE TRIGGER update_stacks_timestamp BEFORE UPDATE ON stacks
      FOR EACH ROW EXECUTE FUNCTION update_timestamp()`);

    await queryRunner.query(`
      CREATE TABLE stack_labels (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        stack_id uuid NOT NULL,
        label varchar(64) NOT NULL, -- squawk-ignore prefer-text-field -- length is part of the broker schema contract; new table, nothing to rewrite
        CONSTRAINT "PK_stack_labels" PRIMARY KEY (id),
        CONSTRAINT "UQ_stack_labels_stack_label" UNIQUE (stack_id, label),
        CONSTRAINT "FK_stack_labels_stack" FOREIGN KEY (stack_id) REFERENCES stacks (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_stack_labels_label" ON stack_labels (label)`);

    await queryRunner.query(`
      CREATE TABLE stack_annotations (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        stack_id uuid NOT NULL,
        key varchar(64) NOT NULL, -- squawk-ignore prefer-text-field -- length is part of the broker schema contract; new table, nothing to rewrite
        value varchar(64) NOT NULL, -- squawk-ignore prefer-text-field -- length is part of the broker schema contract; new table, nothing to rewrite
        CONSTRAINT "PK_stack_annotations" PRIMARY KEY (id),
        CONSTRAINT "UQ_stack_annotations_stack_key" UNIQUE (stack_id, key),
        CONSTRAINT "FK_stack_annotations_stack" FOREIGN KEY (stack_id) REFERENCES stacks (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_stack_annotations_key" ON stack_annotations (key)`);

    await queryRunner.query(`
      CREATE TABLE deployment_objects (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        sequence_id bigserial NOT NULL, -- squawk-ignore prefer-identity -- bigserial as in the upstream broker, whose migrations create the same column
        stack_id uuid NOT NULL,
        yaml_content text NOT NULL,
        yaml_checksum text NOT NULL,
        submitted_at timestamptz NOT NULL DEFAULT now(),
        is_deletion_marker boolean NOT NULL DEFAULT false,
        CONSTRAINT "PK_deployment_objects" PRIMARY KEY (id),
        CONSTRAINT "UQ_deployment_objects_sequence_id" UNIQUE (sequence_id),
        CONSTRAINT "FK_deployment_objects_stack" FOREIGN KEY (stack_id) REFERENCES stacks (id)
      )`);
    await queryRunner.query(
      `CREATE INDEX "IDX_deployment_objects_stack_id" ON deployment_objects (stack_id)`,
    );
    await queryRunner.query(`
      CREATE TRIGGER update_deployment_objects_timestamp BEFORE UPDATE ON deployment_objects
      FOR EACH ROW EXECUTE FUNCTION update_timestamp()`);
    // Deployment objects are what agents apply: once written, only a soft delete may touch them.
    await queryRunner.query(`
      CREATE FUNCTION deployment_objects_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'deployment objects are immutable: only a soft delete (setting deleted_at once) is allowed'
          USING ERRCODE = 'restrict_violation', CONSTRAINT = 'deployment_objects_immutable',
                TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA;
      END;
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER deployment_objects_immutable BEFORE UPDATE ON deployment_objects
      FOR EACH ROW
      WHEN (
        (OLD.id, OLD.created_at, OLD.sequence_id, OLD.stack_id, OLD.yaml_content, OLD.yaml_checksum,
         OLD.submitted_at, OLD.is_deletion_marker)
        IS DISTINCT FROM
        (NEW.id, NEW.created_at, NEW.sequence_id, NEW.stack_id, NEW.yaml_content, NEW.yaml_checksum,
         NEW.submitted_at, NEW.is_deletion_marker)
        OR (OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS DISTINCT FROM OLD.deleted_at)
      )
      EXECUTE FUNCTION deployment_objects_refuse_update()`);

    // Soft-deleting a generator retires what it published: its live stacks and their live
    // deployment objects get the generator's deleted_at; rows already deleted keep theirs.
    await queryRunner.query(`
      CREATE FUNCTION generators_cascade_soft_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        WITH retired AS (
          UPDATE stacks SET deleted_at = NEW.deleted_at
           WHERE generator_id = NEW.id AND deleted_at IS NULL
          RETURNING id
        )
        UPDATE deployment_objects SET deleted_at = NEW.deleted_at
         WHERE deleted_at IS NULL AND stack_id IN (SELECT id FROM retired);
        RETURN NULL;
      END;
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER generators_cascade_soft_delete AFTER UPDATE OF deleted_at ON generators
      FOR EACH ROW WHEN (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL)
      EXECUTE FUNCTION generators_cascade_soft_delete()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await boundMigrationTransaction(queryRunner);
    await refuseDataLoss(queryRunner, this.name, ['deployment_objects', 'stack_annotations', 'stack_labels', 'stacks', 'generators']);
    await queryRunner.query(`DROP TRIGGER generators_cascade_soft_delete ON generators`);
    await queryRunner.query(`DROP FUNCTION generators_cascade_soft_delete()`);
    await queryRunner.query(`-- squawk-ignore ban-drop-table -- revert only; refuseDataLoss() found it empty or was overridden
    DROP TABLE deployment_objects`);
    await queryRunner.query(`DROP FUNCTION deployment_objects_refuse_update()`);
    await queryRunner.query(`-- squawk-ignore ban-drop-table -- revert only; refuseDataLoss() found it empty or was overridden
    DROP TABLE stack_annotations`);
    await queryRunner.query(`-- squawk-ignore ban-drop-table -- revert only; refuseDataLoss() found it empty or was overridden
    DROP TABLE stack_labels`);
    await queryRunner.query(`-- squawk-ignore ban-drop-table -- revert only; refuseDataLoss() found it empty or was overridden
    DROP TABLE stacks`);
    await queryRunner.query(`-- squawk-ignore ban-drop-table -- revert only; refuseDataLoss() found it empty or was overridden
    DROP TABLE generators`);
    await queryRunner.query(`DROP FUNCTION update_timestamp()`);
  }
}
