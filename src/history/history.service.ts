import { Injectable } from '@nestjs/common';
import { type Caller } from '../auth/caller.js';
import { type ChangeQueryDto, DEFAULT_LIMIT } from './dto/list-my-user-changes.dto.js';
import { type ChangeRecord } from './history.model.js';
import { HistoryRepository } from './history.repository.js';

/**
 * The caller's own change history (contract section 7): the profile events, a page at a time.
 * Only the caller's subject in the token's organisation is ever read; a caller without a profile
 * there has an empty history, not an error.
 */
@Injectable()
export class HistoryService {
  constructor(private readonly history: HistoryRepository) {}

  listMyChanges(caller: Caller, query: ChangeQueryDto | undefined): Promise<ChangeRecord[]> {
    if (caller.subject === '') return Promise.resolve([]);
    return this.history.list({
      userId: caller.subject,
      resourceOwner: caller.resourceOwner,
      after: query?.sequence ?? 0n,
      ascending: query?.asc ?? false,
      limit: query === undefined || query.limit === 0 ? DEFAULT_LIMIT : query.limit,
    });
  }
}
