import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintColumn } from './profile.entity.js';

export const PROFILE_ADDED = 'user.human.profile.added';
export const PROFILE_CHANGED = 'user.human.profile.changed';
export type ProfileEventType = typeof PROFILE_ADDED | typeof PROFILE_CHANGED;

/** One changed field: its value before (null when the profile was created) and after. */
export interface FieldChange {
  old: string | number | null;
  new: string | number;
}

/** Who changed which fields of a profile from what to what, and when. */
@Entity({ name: 'profile_events' })
export class ProfileEventEntity {
  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId!: string;

  @PrimaryColumn({ type: 'bigint', transformer: bigintColumn })
  sequence!: bigint;

  @Column({ name: 'event_type', type: 'text' })
  eventType!: ProfileEventType;

  /** Keyed by proto field name, e.g. `{"first_name": {"old": "Ada", "new": "Grace"}}`. */
  @Column({ type: 'jsonb' })
  changes!: Record<string, FieldChange>;

  @Column({ type: 'text' })
  creator!: string;

  @Column({ name: 'resource_owner', type: 'text' })
  resourceOwner!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
