import { DeploymentObject } from '../host/deployment-objects/deployment-object.entity';
import { Generator } from '../host/generators/generator.entity';
import { StackAnnotation } from '../host/stacks/stack-annotation.entity';
import { StackLabel } from '../host/stacks/stack-label.entity';
import { Stack } from '../host/stacks/stack.entity';
import { TEMPLATE_ENTITIES } from '../templates/entities';

export const HOST_ENTITIES = [Generator, Stack, StackLabel, StackAnnotation, DeploymentObject];

/** Every entity, for the CLI data source (the Nest app registers them per module). */
export const ALL_ENTITIES = [...HOST_ENTITIES, ...TEMPLATE_ENTITIES];
