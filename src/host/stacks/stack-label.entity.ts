import {
  Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, Relation,
} from 'typeorm';
import { Stack } from './stack.entity';

@Entity('stack_labels')
@Unique('UQ_stack_labels_stack_label', ['stackId', 'label'])
export class StackLabel {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_stack_labels' })
  id: string;

  @Column({ name: 'stack_id', type: 'uuid' })
  stackId: string;

  @ManyToOne(() => Stack, (stack) => stack.labels, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'stack_id', foreignKeyConstraintName: 'FK_stack_labels_stack' })
  stack?: Relation<Stack>;

  @Index('IDX_stack_labels_label')
  @Column({ type: 'varchar', length: 64 })
  label: string;
}
