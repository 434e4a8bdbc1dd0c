import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { StackAnnotation } from './stack-annotation.entity';
import { StackLabel } from './stack-label.entity';
import { Stack } from './stack.entity';

@Module({
  imports: [TypeOrmModule.forFeature([Stack, StackLabel, StackAnnotation])],
  exports: [TypeOrmModule],
})
export class StacksModule {}
