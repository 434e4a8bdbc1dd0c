import {
  Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique,
  Relation,
} from 'typeorm';
import { StackTemplate } from './stack-template.entity';
import { TemplateRule } from './template-rules';

/** A key/value annotation (each 1-64 characters, no whitespace) that stacks are matched on. */
@Entity('template_annotations')
@Unique(TemplateRule.annotationKeyUnique, ['templateId', 'key'])
@Index('IDX_template_annotations_key_value', ['key', 'value'])
@Check(TemplateRule.annotationKeyToken, 'stack_templates_is_token(key)')
@Check(TemplateRule.annotationValueToken, 'stack_templates_is_token(value)')
export class TemplateAnnotation {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_template_annotations' })
  id: string;

  @Column({ name: 'template_id', type: 'uuid' })
  templateId: string;

  @ManyToOne(() => StackTemplate, (template) => template.annotations, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'template_id', foreignKeyConstraintName: TemplateRule.annotationTemplateExists })
  template?: Relation<StackTemplate>;

  @Column({ type: 'varchar', length: 64 })
  key: string;

  @Column({ type: 'varchar', length: 64 })
  value: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
