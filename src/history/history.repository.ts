import { type ChangePage, type ChangeRecord } from './history.model.js';

/** Where the change events of profiles are read from. */
export abstract class HistoryRepository {
  /**
   * The events of one profile in its organisation, in sequence order (ascending or descending),
   * beyond `page.after` (exclusive; 0 = from the first or the newest), at most `page.limit`.
   */
  abstract list(page: ChangePage): Promise<ChangeRecord[]>;
}
