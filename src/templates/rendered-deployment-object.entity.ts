import {
  Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique,
  Relation,
} from 'typeorm';
import { DeploymentObject } from '../host/deployment-objects/deployment-object.entity';
import { StackTemplate } from './stack-template.entity';
import { TemplateRule } from './template-rules';

/**
 * Provenance: which template version, with which parameters, produced a deployment object.
 * Immutable (rule `rendered_deployment_objects_immutable`); its template cannot be hard-deleted
 * while it exists; templateVersion must be the version of the template row it points at.
 */
@Entity('rendered_deployment_objects')
@Unique(TemplateRule.provenanceUnique, ['deploymentObjectId'])
@Index('IDX_rendered_deployment_objects_template_version', ['templateId', 'templateVersion'])
@Check(TemplateRule.provenanceParametersJsonObject, 'stack_templates_is_json_object(template_parameters)')
export class RenderedDeploymentObject {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_rendered_deployment_objects' })
  id: string;

  @Column({ name: 'deployment_object_id', type: 'uuid' })
  deploymentObjectId: string;

  // One provenance row per deployment object: a ManyToOne plus the named unique constraint,
  // because @OneToOne would add a second, hash-named one.
  @ManyToOne(() => DeploymentObject, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({
    name: 'deployment_object_id',
    foreignKeyConstraintName: TemplateRule.provenanceDeploymentObjectExists,
  })
  deploymentObject?: Relation<DeploymentObject>;

  @Column({ name: 'template_id', type: 'uuid' })
  templateId: string;

  @ManyToOne(() => StackTemplate, (template) => template.renderings, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'template_id', foreignKeyConstraintName: TemplateRule.provenanceKeepsTemplate })
  template?: Relation<StackTemplate>;

  @Column({ name: 'template_version', type: 'integer' })
  templateVersion: number;

  /** The parameters (a JSON object, as text) the template was rendered with. */
  @Column({ name: 'template_parameters', type: 'text' })
  templateParameters: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
