/** The types of the events the Profile module writes, with the text ZITADEL shows for them. */
export const EVENT_TYPES: Readonly<Record<string, string>> = {
  'user.human.profile.added': 'Profile added',
  'user.human.profile.changed': 'Profile changed',
};

/** One recorded change of the caller's profile. */
export interface ChangeRecord {
  sequence: bigint;
  eventType: string;
  /** The subject whose token made the change. */
  editorId: string;
  resourceOwner: string;
  createdAt: Date;
}

/** A page of the history: where it starts (exclusive), which way, how long. */
export interface ChangePage {
  userId: string;
  resourceOwner: string;
  /** 0n: from the start of the direction. */
  after: bigint;
  ascending: boolean;
  limit: number;
}
