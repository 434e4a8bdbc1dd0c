import {
  Column, CreateDateColumn, DeleteDateColumn, Entity, Index, JoinColumn, ManyToOne, OneToMany,
  PrimaryGeneratedColumn, UpdateDateColumn,
  Relation,
} from 'typeorm';
import { Generator } from '../generators/generator.entity';
import { StackAnnotation } from './stack-annotation.entity';
import { StackLabel } from './stack-label.entity';

/** A named set of Kubernetes objects published by a generator. */
@Entity('stacks')
@Index('UQ_stacks_live_name', ['name'], { unique: true, where: 'deleted_at IS NULL' })
export class Stack {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_stacks' })
  id: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Index('IDX_stacks_generator_id')
  @Column({ name: 'generator_id', type: 'uuid' })
  generatorId: string;

  @ManyToOne(() => Generator, { nullable: false })
  @JoinColumn({ name: 'generator_id', foreignKeyConstraintName: 'FK_stacks_generator' })
  generator?: Relation<Generator>;

  @OneToMany(() => StackLabel, (label) => label.stack)
  labels?: StackLabel[];

  @OneToMany(() => StackAnnotation, (annotation) => annotation.stack)
  annotations?: StackAnnotation[];
}
