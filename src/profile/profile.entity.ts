import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintColumn } from '../database/bigint-column.js';
import { type Gender, type StoredProfile } from './profile.model.js';

/** The current state of a profile; its history is in ProfileEventEntity. */
@Entity({ name: 'profiles' })
export class ProfileEntity implements StoredProfile {
  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId!: string;

  @Column({ name: 'resource_owner', type: 'text' })
  resourceOwner!: string;

  @Column({ name: 'first_name', type: 'text' })
  firstName!: string;

  @Column({ name: 'last_name', type: 'text' })
  lastName!: string;

  @Column({ name: 'nick_name', type: 'text' })
  nickName!: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName!: string;

  @Column({ name: 'preferred_language', type: 'text' })
  preferredLanguage!: string;

  @Column({ type: 'smallint' })
  gender!: Gender;

  /** The sequence of the last event written for this profile. */
  @Column({ type: 'bigint', transformer: bigintColumn })
  sequence!: bigint;

  @Column({ name: 'creation_date', type: 'timestamptz' })
  creationDate!: Date;

  @Column({ name: 'change_date', type: 'timestamptz' })
  changeDate!: Date;
}
