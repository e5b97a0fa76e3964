import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  type ListMyUserChangesResponse,
  ListMyUserChangesResponseSchema,
} from '../gen/zitadel/auth_pb.js';
import { type Change, ChangeSchema } from '../gen/zitadel/change_pb.js';
import { LocalizedMessageSchema } from '../gen/zitadel/message_pb.js';
import { type ChangeRecord, EVENT_TYPES } from './history.model.js';

/** One recorded change as zitadel.change.v1.Change (the editor's other fields stay empty). */
export function changeMessage(record: ChangeRecord): Change {
  return create(ChangeSchema, {
    changeDate: timestampFromDate(record.createdAt),
    eventType: create(LocalizedMessageSchema, {
      key: record.eventType,
      localizedMessage: EVENT_TYPES[record.eventType] ?? record.eventType,
    }),
    sequence: record.sequence,
    editorId: record.editorId,
    resourceOwnerId: record.resourceOwner,
  });
}

export function listMyUserChangesResponse(records: ChangeRecord[]): ListMyUserChangesResponse {
  return create(ListMyUserChangesResponseSchema, { result: records.map(changeMessage) });
}
