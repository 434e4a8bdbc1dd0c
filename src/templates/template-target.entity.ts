import {
  Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique,
  Relation,
} from 'typeorm';
import { Stack } from '../host/stacks/stack.entity';
import { StackTemplate } from './stack-template.entity';
import { TemplateRule } from './template-rules';

/** A stack a template has been matched to (precomputed, so matching is a lookup). */
@Entity('template_targets')
@Unique(TemplateRule.targetUnique, ['templateId', 'stackId'])
export class TemplateTarget {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_template_targets' })
  id: string;

  @Column({ name: 'template_id', type: 'uuid' })
  templateId: string;

  @ManyToOne(() => StackTemplate, (template) => template.targets, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'template_id', foreignKeyConstraintName: TemplateRule.targetTemplateExists })
  template?: Relation<StackTemplate>;

  @Index('IDX_template_targets_stack_id')
  @Column({ name: 'stack_id', type: 'uuid' })
  stackId: string;

  @ManyToOne(() => Stack, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'stack_id', foreignKeyConstraintName: TemplateRule.targetStackExists })
  stack?: Relation<Stack>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
