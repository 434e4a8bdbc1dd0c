/**
 * Names of the rules the StackTemplates migration puts in the database: constraint and index
 * names, and the rule names its triggers report in the error's `constraint` field. The entities
 * use the same names, and a test checks them against the migrated catalog.
 */
export const TemplateRule = {
  liveVersionUnique: 'UQ_stack_templates_live_version',
  nameNotBlank: 'CHK_stack_templates_name_not_blank',
  contentNotBlank: 'CHK_stack_templates_content_not_blank',
  versionPositive: 'CHK_stack_templates_version_positive',
  checksumSha256: 'CHK_stack_templates_checksum_sha256',
  parametersSchemaJsonObject: 'CHK_stack_templates_parameters_schema_json_object',
  templateImmutable: 'stack_templates_immutable',
  generatorExists: 'FK_stack_templates_generator',

  labelToken: 'CHK_template_labels_label_token',
  labelUnique: 'UQ_template_labels_template_label',
  annotationKeyToken: 'CHK_template_annotations_key_token',
  annotationValueToken: 'CHK_template_annotations_value_token',
  annotationKeyUnique: 'UQ_template_annotations_template_key',
  labelTemplateExists: 'FK_template_labels_template',
  annotationTemplateExists: 'FK_template_annotations_template',
  targetTemplateExists: 'FK_template_targets_template',
  targetUnique: 'UQ_template_targets_template_stack',
  targetStackExists: 'FK_template_targets_stack',

  provenanceUnique: 'UQ_rendered_deployment_objects_deployment_object',
  provenanceParametersJsonObject: 'CHK_rendered_deployment_objects_parameters_json_object',
  provenanceImmutable: 'rendered_deployment_objects_immutable',
  provenanceVersionMatch: 'rendered_deployment_objects_version_match',
  provenanceKeepsTemplate: 'FK_rendered_deployment_objects_template',
  provenanceDeploymentObjectExists: 'FK_rendered_deployment_objects_deployment_object',
} as const;

export type TemplateRuleName = (typeof TemplateRule)[keyof typeof TemplateRule];
