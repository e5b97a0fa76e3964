import { Controller } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { type Caller } from '../auth/caller.js';
import { CurrentCaller } from '../auth/current-caller.decorator.js';
import { DecodedRequestPipe } from '../grpc/decoded-request.pipe.js';
import { type ObjectDetails, type ProfileFields } from './profile.model.js';
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

/** gRPC adapter over ProfileService; gRPC-web reaches it through the gRPC-web proxy. */
@Controller()
export class ProfileGrpcController {
  constructor(private readonly profiles: ProfileService) {}

  @GrpcMethod('AuthService', 'UpdateMyProfile')
  async updateMyProfile(
    // @grpc/proto-loader decodes it with the fields of ProfileFields (camelCase, enum numbers);
    // bytes that are no valid request are INVALID_ARGUMENT, after the token is checked.
    @Payload(DecodedRequestPipe) request: ProfileFields,
    @CurrentCaller() caller: Caller,
  ): Promise<{ details: ObjectDetailsWire }> {
    const details = await this.profiles.updateMyProfile(caller, request);
    return { details: detailsWire(details) };
  }

  @GrpcMethod('AuthService', 'GetMyProfile')
  async getMyProfile(
    // GetMyProfileRequest has no fields; only its encoding is checked.
    @Payload(DecodedRequestPipe) _request: object,
    @CurrentCaller() caller: Caller,
  ): Promise<{ details: ObjectDetailsWire; profile: ProfileFields }> {
    const view = await this.profiles.getMyProfile(caller);
    return { details: detailsWire(view.details), profile: view.profile };
  }
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
