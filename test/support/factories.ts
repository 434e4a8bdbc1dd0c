import { createHash, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DeploymentObject } from '../../src/host/deployment-objects/deployment-object.entity';
import { Generator } from '../../src/host/generators/generator.entity';
import { Stack } from '../../src/host/stacks/stack.entity';
import { RenderedDeploymentObject } from '../../src/templates/rendered-deployment-object.entity';
import { StackTemplate } from '../../src/templates/stack-template.entity';

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export function makeGenerator(ds: DataSource, fields: Partial<Generator> = {}): Promise<Generator> {
  return ds.getRepository(Generator).save(ds.getRepository(Generator).create({ name: unique('gen'), ...fields }));
}

export async function makeStack(ds: DataSource, generator: Generator, fields: Partial<Stack> = {}): Promise<Stack> {
  const repo = ds.getRepository(Stack);
  return repo.save(repo.create({ name: unique('stack'), generatorId: generator.id, ...fields }));
}

export async function makeDeploymentObject(ds: DataSource, stack: Stack, yaml = 'kind: ConfigMap\n'): Promise<DeploymentObject> {
  const repo = ds.getRepository(DeploymentObject);
  return repo.save(repo.create({ stackId: stack.id, yamlContent: yaml, yamlChecksum: sha256(yaml) }));
}

/** A valid template version; override any field to break a rule. */
export function templateFields(fields: Partial<StackTemplate> = {}): Partial<StackTemplate> {
  const templateContent = fields.templateContent ?? 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ name }}\n';
  return {
    name: unique('tpl'),
    version: 1,
    parametersSchema: '{"type":"object","properties":{"name":{"type":"string"}}}',
    generatorId: null,
    ...fields,
    templateContent,
    checksum: fields.checksum ?? sha256(templateContent),
  };
}

export function makeTemplate(ds: DataSource, fields: Partial<StackTemplate> = {}): Promise<StackTemplate> {
  const repo = ds.getRepository(StackTemplate);
  return repo.save(repo.create(templateFields(fields)));
}

export function makeProvenance(
  ds: DataSource,
  template: StackTemplate,
  deploymentObject: DeploymentObject,
  fields: Partial<RenderedDeploymentObject> = {},
): Promise<RenderedDeploymentObject> {
  const repo = ds.getRepository(RenderedDeploymentObject);
  return repo.save(
    repo.create({
      deploymentObjectId: deploymentObject.id,
      templateId: template.id,
      templateVersion: template.version,
      templateParameters: '{"name":"web"}',
      ...fields,
    }),
  );
}
