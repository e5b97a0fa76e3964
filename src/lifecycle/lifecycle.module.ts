import { Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module.js';
import { Shutdown } from './shutdown.service.js';

@Module({ imports: [HealthModule], providers: [Shutdown], exports: [Shutdown] })
export class LifecycleModule {}
