import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeploymentObject } from './deployment-object.entity';

@Module({
  imports: [TypeOrmModule.forFeature([DeploymentObject])],
  exports: [TypeOrmModule],
})
export class DeploymentObjectsModule {}
