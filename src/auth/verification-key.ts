import { type KeyObject } from 'node:crypto';

/**
 * jsonwebtoken takes a KeyObject as well as a PEM, and a PEM would be parsed again for every
 * token (most of a token check's time); @types/passport-jwt only lists string | Buffer.
 */
export function asVerificationKey(key: KeyObject): string {
  return key as unknown as string;
}
