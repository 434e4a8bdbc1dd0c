import {
  Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, Relation,
} from 'typeorm';
import { Stack } from './stack.entity';

@Entity('stack_annotations')
@Unique('UQ_stack_annotations_stack_key', ['stackId', 'key'])
export class StackAnnotation {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_stack_annotations' })
  id: string;

  @Column({ name: 'stack_id', type: 'uuid' })
  stackId: string;

  @ManyToOne(() => Stack, (stack) => stack.annotations, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'stack_id', foreignKeyConstraintName: 'FK_stack_annotations_stack' })
  stack?: Relation<Stack>;

  @Index('IDX_stack_annotations_key')
  @Column({ type: 'varchar', length: 64 })
  key: string;

  @Column({ type: 'varchar', length: 64 })
  value: string;
}
