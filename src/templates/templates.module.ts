import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TEMPLATE_ENTITIES } from './entities';
import { TemplateErrorFilter } from './template-error.filter';
import { TemplatesService } from './templates.service';

/** Stack templates: register with the app next to the host modules it builds on. */
@Module({
  imports: [TypeOrmModule.forFeature(TEMPLATE_ENTITIES)],
  providers: [
    TemplatesService,
    // App-wide: refused template writes answer 409/422 wherever they surface (see the filter).
    { provide: APP_FILTER, useClass: TemplateErrorFilter },
  ],
  exports: [TypeOrmModule, TemplatesService],
})
export class TemplatesModule {}
