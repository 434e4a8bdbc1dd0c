import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Generator } from './generator.entity';

@Module({
  imports: [TypeOrmModule.forFeature([Generator])],
  exports: [TypeOrmModule],
})
export class GeneratorsModule {}
