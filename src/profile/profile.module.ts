import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module.js';
import { CreateProfiles1764316800000 } from './migrations/1764316800000-create-profiles.js';
import { ProfileEventEntity } from './profile-event.entity.js';
import { ProfileController } from './profile.controller.js';
import { ProfileGrpcController } from './profile.grpc.controller.js';
import { ProfileEntity } from './profile.entity.js';
import { ProfileRepository } from './profile.repository.js';
import { ProfileService } from './profile.service.js';
import { SqlProfileRepository } from './profile.sql.repository.js';

/**
 * The caller's own profile: UpdateMyProfile and GetMyProfile over REST, gRPC and gRPC-web. Its
 * tables (and their migrations), gRPC methods (`@GrpcRpc`) and error ids (PROFILE_ERRORS) are
 * declared here and in its files; the app module only imports it.
 */
@Module({
  imports: [
    DatabaseModule.forFeature({
      entities: [ProfileEntity, ProfileEventEntity],
      migrations: [CreateProfiles1764316800000],
    }),
  ],
  controllers: [ProfileController, ProfileGrpcController],
  providers: [ProfileService, { provide: ProfileRepository, useClass: SqlProfileRepository }],
  exports: [ProfileService],
})
export class ProfileModule {}
