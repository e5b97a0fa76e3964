import { Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module.js';
import { HeapTuning } from './heap-tuning.js';
import { Shutdown } from './shutdown.service.js';

@Module({ imports: [HealthModule], providers: [Shutdown, HeapTuning], exports: [Shutdown] })
export class LifecycleModule {}
