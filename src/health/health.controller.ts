import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { pendingMigrations } from '../database/migrate';

/** GET /health: 200 when the database answers and no migration is pending, 503 otherwise. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.db.pingCheck('database').withTimeout(3000),
      () =>
        this.indicators
          .check('migrations')
          .attempt(async () => {
            const pending = await pendingMigrations(this.dataSource);
            if (pending.length > 0) throw new Error(`pending migrations: ${pending.join(', ')}`);
            return { pending };
          })
          .withTimeout(3000),
    ]);
  }
}
