import { hash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { type Caller } from './caller.js';

interface Entry {
  caller: Caller;
  /** The token's `exp`, in ms: never used past it. */
  expiresAt: number;
  /** The generation of the keys that verified it (VerificationKeys.generation). */
  generation: number;
}

/** Most tokens remembered; beyond, the least recently used is verified again when it returns. */
const MAX_ENTRIES = 10_000;

/**
 * JWTs whose signature and claims were verified, so that a client's next calls with the same token
 * skip the signature check and the claim rules (most of a call's CPU after the database). An entry
 * serves until the token's `exp`, and only while the keys are those that verified it: a refreshed
 * JWKS (a key revoked by removing it, say) has every token verified again. Keys are SHA-256
 * digests, so no token is kept.
 */
@Injectable()
export class VerifiedTokenCache {
  private readonly entries = new LRUCache<string, Entry>({ max: MAX_ENTRIES });

  get(token: string, generation: number, now = Date.now()): Caller | undefined {
    const key = digest(token);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.generation !== generation || now >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.caller;
  }

  set(token: string, caller: Caller, expiresAt: number, generation: number): void {
    this.entries.set(digest(token), { caller, expiresAt, generation });
  }

  get size(): number {
    return this.entries.size;
  }
}

function digest(token: string): string {
  // The one-shot hash: no Hash object per call.
  return hash('sha256', token, 'base64url');
}
