import {
  Check, Column, CreateDateColumn, DeleteDateColumn, Entity, Index, JoinColumn, ManyToOne, OneToMany,
  PrimaryGeneratedColumn, UpdateDateColumn,
  Relation,
} from 'typeorm';
import { Generator } from '../host/generators/generator.entity';
import { RenderedDeploymentObject } from './rendered-deployment-object.entity';
import { TemplateAnnotation } from './template-annotation.entity';
import { TemplateLabel } from './template-label.entity';
import { TemplateTarget } from './template-target.entity';
import { TemplateRule } from './template-rules';

/**
 * One version of a stack template. Immutable once inserted except for `description` and
 * `deletedAt` (rule `stack_templates_immutable`): publish a new version to change content.
 */
@Entity('stack_templates')
// NULLS NOT DISTINCT, which TypeORM cannot express: created by the migration, ignored by the diff.
@Index(TemplateRule.liveVersionUnique, { synchronize: false })
@Index('IDX_stack_templates_live_name', ['name'], { where: 'deleted_at IS NULL' })
@Check(TemplateRule.nameNotBlank, `name ~ '[^[:space:]]'`)
@Check(TemplateRule.contentNotBlank, `template_content ~ '[^[:space:]]'`)
@Check(TemplateRule.versionPositive, 'version >= 1')
@Check(TemplateRule.checksumSha256, `checksum = encode(sha256(convert_to(template_content, 'UTF8')), 'hex')`)
@Check(TemplateRule.parametersSchemaJsonObject, 'stack_templates_is_json_object(parameters_schema)')
export class StackTemplate {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_stack_templates' })
  id: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  /** Owner; NULL for a system template. */
  @Index('IDX_stack_templates_generator_id')
  @Column({ name: 'generator_id', type: 'uuid', nullable: true })
  generatorId: string | null;

  @ManyToOne(() => Generator, { onDelete: 'CASCADE', nullable: true })
  @JoinColumn({ name: 'generator_id', foreignKeyConstraintName: TemplateRule.generatorExists })
  generator?: Relation<Generator> | null;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  /** A plain column, not TypeORM's @VersionColumn: a save must never bump it. */
  @Column({ type: 'integer', default: 1 })
  version: number;

  /** Tera template. */
  @Column({ name: 'template_content', type: 'text' })
  templateContent: string;

  /** JSON Schema (an object) for the parameters, as text. */
  @Column({ name: 'parameters_schema', type: 'text' })
  parametersSchema: string;

  /** Lower-case SHA-256 hex of templateContent (UTF-8); the database checks it. */
  @Column({ type: 'varchar', length: 64 })
  checksum: string;

  @OneToMany(() => TemplateLabel, (label) => label.template, { cascade: ['insert'] })
  labels?: TemplateLabel[];

  @OneToMany(() => TemplateAnnotation, (annotation) => annotation.template, { cascade: ['insert'] })
  annotations?: TemplateAnnotation[];

  @OneToMany(() => TemplateTarget, (target) => target.template)
  targets?: TemplateTarget[];

  @OneToMany(() => RenderedDeploymentObject, (rendered) => rendered.template)
  renderings?: RenderedDeploymentObject[];
}
