import { RenderedDeploymentObject } from './rendered-deployment-object.entity';
import { StackTemplate } from './stack-template.entity';
import { TemplateAnnotation } from './template-annotation.entity';
import { TemplateLabel } from './template-label.entity';
import { TemplateTarget } from './template-target.entity';

/** The template entities, free of Nest imports so the TypeORM CLI can load them cheaply. */
export const TEMPLATE_ENTITIES = [
  StackTemplate, TemplateLabel, TemplateAnnotation, TemplateTarget, RenderedDeploymentObject,
];
