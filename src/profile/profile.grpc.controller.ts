import { Controller } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { type Caller } from '../auth/caller.js';
import { CurrentCaller } from '../auth/current-caller.decorator.js';
import { type Gender, type ObjectDetails, type ProfileFields } from './profile.model.js';
import { ProfileService } from './profile.service.js';

/** google.protobuf.Timestamp as @grpc/proto-loader takes it (longs as strings). */
interface TimestampWire {
  seconds: string;
  nanos: number;
}

interface ObjectDetailsWire {
  sequence: string;
  creationDate: TimestampWire;
  changeDate: TimestampWire;
  resourceOwner: string;
}

/** UpdateMyProfileRequest as @grpc/proto-loader decodes it (camelCase, enums as numbers). */
export interface UpdateMyProfileRequestWire {
  firstName: string;
  lastName: string;
  nickName: string;
  displayName: string;
  preferredLanguage: string;
  gender: Gender;
}

/** gRPC adapter over ProfileService; gRPC-web reaches it through the gRPC-web proxy. */
@Controller()
export class ProfileGrpcController {
  constructor(private readonly profiles: ProfileService) {}

  @GrpcMethod('AuthService', 'UpdateMyProfile')
  async updateMyProfile(
    @Payload() request: UpdateMyProfileRequestWire,
    @CurrentCaller() caller: Caller,
  ): Promise<{ details: ObjectDetailsWire }> {
    const details = await this.profiles.updateMyProfile(caller, fieldsOf(request));
    return { details: detailsWire(details) };
  }

  @GrpcMethod('AuthService', 'GetMyProfile')
  async getMyProfile(
    @CurrentCaller() caller: Caller,
  ): Promise<{ details: ObjectDetailsWire; profile: ProfileFields }> {
    const view = await this.profiles.getMyProfile(caller);
    return { details: detailsWire(view.details), profile: view.profile };
  }
}

function fieldsOf(request: UpdateMyProfileRequestWire): ProfileFields {
  return {
    firstName: request.firstName,
    lastName: request.lastName,
    nickName: request.nickName,
    displayName: request.displayName,
    preferredLanguage: request.preferredLanguage,
    gender: request.gender,
  };
}

function detailsWire(details: ObjectDetails): ObjectDetailsWire {
  return {
    sequence: details.sequence.toString(),
    creationDate: timestampWire(details.creationDate),
    changeDate: timestampWire(details.changeDate),
    resourceOwner: details.resourceOwner,
  };
}

function timestampWire(date: Date): TimestampWire {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}
