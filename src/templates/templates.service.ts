import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull } from 'typeorm';
import { RenderedDeploymentObject } from './rendered-deployment-object.entity';
import { StackTemplate } from './stack-template.entity';
import { TemplateTarget } from './template-target.entity';
import { translateTemplateError, TemplateWriteContext } from './template-errors';

export interface PublishTemplateInput {
  /** Owner; null for a system template. */
  generatorId: string | null;
  name: string;
  version: number;
  /** Tera template. */
  templateContent: string;
  /** JSON Schema of the parameters: an object, or its JSON text. */
  parametersSchema: string | Record<string, unknown>;
  description?: string | null;
  /** Lower-case hex SHA-256 of templateContent; computed when left out, checked by the database when given. */
  checksum?: string;
  labels?: readonly string[];
  annotations?: Readonly<Record<string, string>>;
}

/** Columns a caller may ask to change; the database refuses all but description (stack_templates_immutable). */
export type TemplateChanges = Partial<
  Pick<StackTemplate, 'description' | 'name' | 'version' | 'templateContent' | 'parametersSchema' | 'checksum' | 'generatorId'>
>;

export interface RecordProvenanceInput {
  deploymentObjectId: string;
  templateId: string;
  templateVersion: number;
  /** The parameters the template was rendered with: an object, or its JSON text. */
  templateParameters: string | Record<string, unknown>;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

const jsonText = (value: string | Record<string, unknown>): string =>
  typeof value === 'string' ? value : JSON.stringify(value);

/**
 * The writes a broker makes to stack templates. The database enforces every rule; each write here
 * only turns a refusal into a typed error (`TemplateConflictError` 409, `TemplateValidationError`
 * 422, see template-errors.ts) that names the rule. Anything else propagates unchanged.
 */
@Injectable()
export class TemplatesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get templates() {
    return this.dataSource.getRepository(StackTemplate);
  }

  /** A new template version with its labels and annotations, all or nothing. */
  publish(input: PublishTemplateInput): Promise<StackTemplate> {
    const context = { generatorId: input.generatorId, name: input.name, version: input.version };
    return this.refusing(context, () =>
      this.dataSource.transaction(async (manager) => {
        const repo = manager.getRepository(StackTemplate);
        return repo.save(
          repo.create({
            generatorId: input.generatorId,
            name: input.name,
            version: input.version,
            description: input.description ?? null,
            templateContent: input.templateContent,
            parametersSchema: jsonText(input.parametersSchema),
            checksum: input.checksum ?? sha256Hex(input.templateContent),
            // Inserted by the cascade on the relations, in the same transaction.
            labels: (input.labels ?? []).map((label) => ({ label })),
            annotations: Object.entries(input.annotations ?? {}).map(([key, value]) => ({ key, value })),
          }),
        );
      }),
    );
  }

  /**
   * Asks the database to change a template version; it allows only description (and deleted_at,
   * see softDelete/restore). Returns the row as stored, or null when no row has this id.
   */
  update(id: string, changes: TemplateChanges): Promise<StackTemplate | null> {
    return this.refusing({ templateId: id }, async () => {
      const result = await this.templates.update({ id }, changes);
      return result.affected ? this.templates.findOne({ where: { id }, withDeleted: true }) : null;
    });
  }

  updateDescription(id: string, description: string | null): Promise<StackTemplate | null> {
    return this.update(id, { description });
  }

  /** Retires a live version (it stays for provenance). False when no live row has this id. */
  softDelete(id: string): Promise<boolean> {
    return this.refusing({ templateId: id }, async () =>
      ((await this.templates.softDelete({ id, deletedAt: IsNull() })).affected ?? 0) > 0);
  }

  /** Brings a soft-deleted version back; refused while a live copy of that version exists. */
  restore(id: string): Promise<boolean> {
    return this.refusing({ templateId: id }, async () => ((await this.templates.restore({ id })).affected ?? 0) > 0);
  }

  /** Removes a version with its labels, annotations and targets; refused while provenance points at it. */
  hardDelete(id: string): Promise<boolean> {
    return this.refusing({ templateId: id }, async () => ((await this.templates.delete({ id })).affected ?? 0) > 0);
  }

  addTarget(templateId: string, stackId: string): Promise<TemplateTarget> {
    return this.refusing({ templateId, stackId }, () => {
      const repo = this.dataSource.getRepository(TemplateTarget);
      return repo.save(repo.create({ templateId, stackId }));
    });
  }

  recordProvenance(input: RecordProvenanceInput): Promise<RenderedDeploymentObject> {
    const { deploymentObjectId, templateId, templateVersion } = input;
    return this.refusing({ deploymentObjectId, templateId, templateVersion }, () => {
      const repo = this.dataSource.getRepository(RenderedDeploymentObject);
      return repo.save(
        repo.create({ deploymentObjectId, templateId, templateVersion, templateParameters: jsonText(input.templateParameters) }),
      );
    });
  }

  /** The highest live version of a name for an owner (null: system templates), with labels and annotations. */
  latestVersion(generatorId: string | null, name: string): Promise<StackTemplate | null> {
    return this.templates.findOne({
      where: { generatorId: generatorId ?? IsNull(), name },
      order: { version: 'DESC' },
      relations: { labels: true, annotations: true },
    });
  }

  private async refusing<T>(context: TemplateWriteContext, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      throw translateTemplateError(error, context);
    }
  }
}
