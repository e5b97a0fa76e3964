import { type ValueTransformer } from 'typeorm';

/**
 * For `bigint` columns (`@Column({ type: 'bigint', transformer: bigintColumn })`): `pg` (and the
 * embedded driver) hand them over as strings, so that no precision is lost; the entity has them
 * as JavaScript bigints.
 */
export const bigintColumn: ValueTransformer = {
  to: (value: bigint | undefined) => (value === undefined ? undefined : value.toString()),
  from: (value: string | null) => (value === null ? null : BigInt(value)),
};
