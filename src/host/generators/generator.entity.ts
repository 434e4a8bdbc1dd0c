import {
  Column, CreateDateColumn, DeleteDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn,
} from 'typeorm';

/** A system that publishes deployments (created by the HostSchema migration). */
@Entity('generators')
@Index('UQ_generators_live_name', ['name'], { unique: true, where: 'deleted_at IS NULL' })
export class Generator {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_generators' })
  id: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** Setting it (soft delete) retires the generator's live stacks, deployment objects and templates. */
  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'pak_hash', type: 'text', nullable: true })
  pakHash: string | null;

  @Column({ name: 'last_active_at', type: 'timestamptz', nullable: true })
  lastActiveAt: Date | null;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive: boolean;
}
