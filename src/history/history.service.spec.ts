import { create } from '@bufbuild/protobuf';
import { ListMyUserChangesRequestSchema } from '../gen/zitadel/auth_pb.js';
import { createValidationPipe } from '../common/validation/validation.pipe.js';
import { ValidationError } from '../common/errors/app-error.js';
import { ListMyUserChangesDto } from './dto/list-my-user-changes.dto.js';
import { type ChangePage, type ChangeRecord } from './history.model.js';
import { HistoryRepository } from './history.repository.js';
import { HistoryService } from './history.service.js';

class RecordingRepository extends HistoryRepository {
  readonly pages: ChangePage[] = [];

  list(page: ChangePage): Promise<ChangeRecord[]> {
    this.pages.push(page);
    return Promise.resolve([]);
  }
}

const pipe = createValidationPipe();

/** The request as the handlers get it: decoded message → global ValidationPipe → DTO. */
async function dtoOf(init: Parameters<typeof create<typeof ListMyUserChangesRequestSchema>>[1]) {
  const message = create(ListMyUserChangesRequestSchema, init);
  return (await pipe.transform(message, {
    type: 'body',
    metatype: ListMyUserChangesDto,
  })) as ListMyUserChangesDto;
}

describe('HistoryService', () => {
  const alice = { subject: 'alice', resourceOwner: 'org-1' };

  it.each([
    ['no query', {}, { after: 0n, ascending: false, limit: 100 }],
    ['limit 0', { query: { limit: 0 } }, { after: 0n, ascending: false, limit: 100 }],
    [
      'a page below 7',
      { query: { sequence: 7n, limit: 5 } },
      { after: 7n, ascending: false, limit: 5 },
    ],
    [
      'oldest first',
      { query: { asc: true, limit: 1000 } },
      { after: 0n, ascending: true, limit: 1000 },
    ],
  ])("reads the caller's own page for %s", async (_, init, expected) => {
    const repository = new RecordingRepository();
    const dto = await dtoOf(init);
    await new HistoryService(repository).listMyChanges(alice, dto.query);
    expect(repository.pages).toEqual([{ userId: 'alice', resourceOwner: 'org-1', ...expected }]);
  });

  it('reads nothing for an empty subject', async () => {
    const repository = new RecordingRepository();
    expect(
      await new HistoryService(repository).listMyChanges(
        { subject: '', resourceOwner: 'o' },
        undefined,
      ),
    ).toEqual([]);
    expect(repository.pages).toEqual([]);
  });
});

describe('ListMyUserChangesDto', () => {
  it('keeps the query fields, as a ChangeQueryDto', async () => {
    const dto = await dtoOf({ query: { sequence: 42n, limit: 7, asc: true } });
    expect(dto.query).toEqual({ sequence: 42n, limit: 7, asc: true });
  });

  it("refuses a limit over 1000 with protoc-gen-validate's message for an embedded field", async () => {
    let error: unknown;
    try {
      await dtoOf({ query: { limit: 1001 } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe(
      'invalid ListMyUserChangesRequest.Query: embedded message failed validation | caused by: invalid ChangeQuery.Limit: value must be less than or equal to 1000',
    );
    expect((error as ValidationError).fieldViolations).toEqual([
      { field: 'query.limit', description: 'value must be less than or equal to 1000' },
    ]);
  });
});
