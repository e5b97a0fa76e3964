import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
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
  ascending: `SELECT ${COLUMNS} FROM profile_events
    WHERE user_id = $1 AND resource_owner = $2 AND sequence > $3
    ORDER BY sequence ASC LIMIT $4`,
  newest: `SELECT ${COLUMNS} FROM profile_events
    WHERE user_id = $1 AND resource_owner = $2
    ORDER BY sequence DESC LIMIT $3`,
  descending: `SELECT ${COLUMNS} FROM profile_events
    WHERE user_id = $1 AND resource_owner = $2 AND sequence < $3
    ORDER BY sequence DESC LIMIT $4`,
} as const;

@Injectable()
export class TypeOrmHistoryRepository extends HistoryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async list(page: ChangePage): Promise<ChangeRecord[]> {
    const { userId, resourceOwner, after, limit } = page;
    const rows: EventRow[] = page.ascending
      ? await this.dataSource.query(HISTORY_QUERIES.ascending, [
          userId,
          resourceOwner,
          after.toString(),
          limit,
        ])
      : after === 0n
        ? await this.dataSource.query(HISTORY_QUERIES.newest, [userId, resourceOwner, limit])
        : await this.dataSource.query(HISTORY_QUERIES.descending, [
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
