import { Module } from '@nestjs/common';
import { HistoryController } from './history.controller.js';
import { HistoryGrpcController } from './history.grpc.controller.js';
import { HistoryRepository } from './history.repository.js';
import { HistoryService } from './history.service.js';
import { SqlHistoryRepository } from './history.sql.repository.js';

/**
 * The caller's change history: ListMyUserChanges over REST, gRPC and gRPC-web. It reads the
 * events that the Profile module writes (table `profile_events`), so it has no tables or
 * migrations of its own.
 */
@Module({
  controllers: [HistoryController, HistoryGrpcController],
  providers: [HistoryService, { provide: HistoryRepository, useClass: SqlHistoryRepository }],
})
export class HistoryModule {}
