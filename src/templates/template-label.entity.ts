import {
  Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique,
  Relation,
} from 'typeorm';
import { StackTemplate } from './stack-template.entity';
import { TemplateRule } from './template-rules';

/** A label (1-64 characters, no whitespace) that stacks are matched on. */
@Entity('template_labels')
@Unique(TemplateRule.labelUnique, ['templateId', 'label'])
@Check(TemplateRule.labelToken, 'stack_templates_is_token(label)')
export class TemplateLabel {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_template_labels' })
  id: string;

  @Column({ name: 'template_id', type: 'uuid' })
  templateId: string;

  @ManyToOne(() => StackTemplate, (template) => template.labels, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'template_id', foreignKeyConstraintName: TemplateRule.labelTemplateExists })
  template?: Relation<StackTemplate>;

  @Index('IDX_template_labels_label')
  @Column({ type: 'varchar', length: 64 })
  label: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
