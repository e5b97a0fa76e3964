import { VerifiedTokenCache } from './verified-token-cache.js';

describe('VerifiedTokenCache', () => {
  const alice = { subject: 'alice', resourceOwner: 'org-1' };

  it('serves a verified token until its exp, for the keys that verified it', () => {
    const cache = new VerifiedTokenCache();
    cache.set('token-a', alice, 10_000, 3);
    expect(cache.get('token-a', 3, 9_999)).toBe(alice);
    expect(cache.get('token-b', 3, 9_999)).toBeUndefined();
    expect(cache.get('token-a', 3, 10_000)).toBeUndefined();
    // Gone once expired, not just skipped.
    expect(cache.size).toBe(0);
  });

  it('drops what older keys verified', () => {
    const cache = new VerifiedTokenCache();
    cache.set('token-a', alice, 10_000, 3);
    expect(cache.get('token-a', 4, 0)).toBeUndefined();
    expect(cache.get('token-a', 3, 0)).toBeUndefined();
  });

  it('is bounded: the least recently used token is forgotten first', () => {
    const cache = new VerifiedTokenCache();
    for (let i = 0; i <= 10_000; i++) cache.set(`token-${i}`, alice, 10_000, 0);
    expect(cache.size).toBe(10_000);
    expect(cache.get('token-0', 0, 0)).toBeUndefined();
    expect(cache.get('token-10000', 0, 0)).toBe(alice);
  });
});
