import { Injectable } from '@nestjs/common';
import { Sql, type SqlStatement } from '../database/sql.js';
import { type ChangePage, type ChangeRecord } from './history.model.js';
import { HistoryRepository } from './history.repository.js';

interface EventRow {
  sequence: string;
  event_type: string;
  creator: string;
  resource_owner: string;
  created_at: Date;
}

const COLUMNS = 'sequence, event_type, creator, resource_owner, created_at';

/**
 * The events are the Profile module's `profile_events` table (one row per change, key
 * `(user_id, sequence)`): a page is one range scan of that primary key, forwards or backwards,
 * so each direction reads only the rows it returns.
 */
export const HISTORY_QUERIES = {
  ascending: {
    name: 'history_ascending',
    text: `SELECT ${COLUMNS} FROM profile_events
    WHERE user_id = $1 AND resource_owner = $2 AND sequence > $3
    ORDER BY sequence ASC LIMIT $4`,
  },
  newest: {
    name: 'history_newest',
    text: `SELECT ${COLUMNS} FROM profile_events
    WHERE user_id = $1 AND resource_owner = $2
    ORDER BY sequence DESC LIMIT $3`,
  },
  descending: {
    name: 'history_descending',
    text: `SELECT ${COLUMNS} FROM profile_events
    WHERE user_id = $1 AND resource_owner = $2 AND sequence < $3
    ORDER BY sequence DESC LIMIT $4`,
  },
} satisfies Record<string, SqlStatement>;

@Injectable()
export class SqlHistoryRepository extends HistoryRepository {
  constructor(private readonly sql: Sql) {
    super();
  }

  async list(page: ChangePage): Promise<ChangeRecord[]> {
    const { userId, resourceOwner, after, limit } = page;
    const rows = page.ascending
      ? await this.sql.query<EventRow>(HISTORY_QUERIES.ascending, [
          userId,
          resourceOwner,
          after.toString(),
          limit,
        ])
      : after === 0n
        ? await this.sql.query<EventRow>(HISTORY_QUERIES.newest, [userId, resourceOwner, limit])
        : await this.sql.query<EventRow>(HISTORY_QUERIES.descending, [
            userId,
            resourceOwner,
            after.toString(),
            limit,
          ]);
    return rows.map((row) => ({
      sequence: BigInt(row.sequence),
      eventType: row.event_type,
      editorId: row.creator,
      resourceOwner: row.resource_owner,
      createdAt: row.created_at,
    }));
  }
}
