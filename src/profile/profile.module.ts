import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProfileEventEntity } from './profile-event.entity.js';
import { ProfileController } from './profile.controller.js';
import { ProfileGrpcController } from './profile.grpc.controller.js';
import { ProfileEntity } from './profile.entity.js';
import { ProfileService } from './profile.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([ProfileEntity, ProfileEventEntity])],
  controllers: [ProfileController, ProfileGrpcController],
  providers: [ProfileService],
  exports: [ProfileService],
})
export class ProfileModule {}
