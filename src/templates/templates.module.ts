import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RenderedDeploymentObject } from './rendered-deployment-object.entity';
import { StackTemplate } from './stack-template.entity';
import { TemplateAnnotation } from './template-annotation.entity';
import { TemplateLabel } from './template-label.entity';
import { TemplateTarget } from './template-target.entity';

export const TEMPLATE_ENTITIES = [
  StackTemplate, TemplateLabel, TemplateAnnotation, TemplateTarget, RenderedDeploymentObject,
];

/** Stack templates: register with the app next to the host modules it builds on. */
@Module({
  imports: [TypeOrmModule.forFeature(TEMPLATE_ENTITIES)],
  exports: [TypeOrmModule],
})
export class TemplatesModule {}
