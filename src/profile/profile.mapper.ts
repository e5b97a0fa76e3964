import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  type GetMyProfileResponse,
  GetMyProfileResponseSchema,
  type UpdateMyProfileResponse,
  UpdateMyProfileResponseSchema,
} from '../gen/zitadel/auth_pb.js';
import {
  type ObjectDetails as ObjectDetailsMessage,
  ObjectDetailsSchema,
} from '../gen/zitadel/object_pb.js';
import { ProfileSchema } from '../gen/zitadel/user_pb.js';
import { type ObjectDetails, type ProfileView } from './profile.model.js';

/** The answers of the Profile module as protobuf messages, one mapper per response, for every transport. */
export function objectDetailsMessage(details: ObjectDetails): ObjectDetailsMessage {
  return create(ObjectDetailsSchema, {
    sequence: details.sequence,
    creationDate: timestampFromDate(details.creationDate),
    changeDate: timestampFromDate(details.changeDate),
    resourceOwner: details.resourceOwner,
  });
}

export function updateMyProfileResponse(details: ObjectDetails): UpdateMyProfileResponse {
  return create(UpdateMyProfileResponseSchema, { details: objectDetailsMessage(details) });
}

export function getMyProfileResponse(view: ProfileView): GetMyProfileResponse {
  return create(GetMyProfileResponseSchema, {
    details: objectDetailsMessage(view.details),
    profile: create(ProfileSchema, view.profile),
  });
}
