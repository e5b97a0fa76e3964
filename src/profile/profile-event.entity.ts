import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintColumn } from '../database/bigint-column.js';
import { type FieldChange, type ProfileEvent, type ProfileEventType } from './profile.model.js';

/** The change events of profiles (table `profile_events`, key `(user_id, sequence)`). */
@Entity({ name: 'profile_events' })
export class ProfileEventEntity implements ProfileEvent {
  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId!: string;

  @PrimaryColumn({ type: 'bigint', transformer: bigintColumn })
  sequence!: bigint;

  @Column({ name: 'event_type', type: 'text' })
  eventType!: ProfileEventType;

  @Column({ type: 'jsonb' })
  changes!: Record<string, FieldChange>;

  @Column({ type: 'text' })
  creator!: string;

  @Column({ name: 'resource_owner', type: 'text' })
  resourceOwner!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
