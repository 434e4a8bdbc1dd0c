import {
  Column, CreateDateColumn, DeleteDateColumn, Entity, Generated, Index, JoinColumn, ManyToOne,
  PrimaryGeneratedColumn, Unique, UpdateDateColumn,
  Relation,
} from 'typeorm';
import { Stack } from '../stacks/stack.entity';

/**
 * Rendered YAML for a stack. Immutable: the database refuses any UPDATE but a soft delete
 * (rule `deployment_objects_immutable`).
 */
@Entity('deployment_objects')
@Unique('UQ_deployment_objects_sequence_id', ['sequenceId'])
export class DeploymentObject {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_deployment_objects' })
  id: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  /** Publication order; bigint, so it reads as a string. */
  @Column({ name: 'sequence_id', type: 'bigint' })
  @Generated('increment')
  sequenceId: string;

  @Index('IDX_deployment_objects_stack_id')
  @Column({ name: 'stack_id', type: 'uuid' })
  stackId: string;

  @ManyToOne(() => Stack, { nullable: false })
  @JoinColumn({ name: 'stack_id', foreignKeyConstraintName: 'FK_deployment_objects_stack' })
  stack?: Relation<Stack>;

  @Column({ name: 'yaml_content', type: 'text' })
  yamlContent: string;

  @Column({ name: 'yaml_checksum', type: 'text' })
  yamlChecksum: string;

  @Column({ name: 'submitted_at', type: 'timestamptz', default: () => 'now()' })
  submittedAt: Date;

  @Column({ name: 'is_deletion_marker', type: 'boolean', default: false })
  isDeletionMarker: boolean;
}
