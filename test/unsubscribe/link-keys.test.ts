import { acceptedSecrets, linksWithKeys } from '../../lib/consent-api/dependencies';
import { currentLinkKey, LinkConfigurationError, parseLinkKeys, signToken, TokenInvalidError, verifyToken } from '../../lib/unsubscribe';

const current = 'current-link-key-0123456789abcdef0123456789';
const previous = 'previous-link-key-0123456789abcdef012345678';
const retired = 'retired-link-key-0123456789abcdef0123456789';
const claims = { customerId: 'c-1', channel: 'email', topic: 'marketing' } as const;
const signedAt = new Date('2024-01-01T00:00:00Z');
const now = new Date('2026-03-02T09:00:00Z');

describe('parseLinkKeys', () => {
  it('reads a plain key, as the stack generates it, as the current key alone', () => {
    expect(parseLinkKeys(`${current}\n`)).toEqual({ current, previous: [], retired: [] });
  });

  it('reads the current, previous and retired keys of a rotated secret', () => {
    expect(parseLinkKeys(JSON.stringify({ current, previous: [previous], retired: [retired] }))).toEqual({ current, previous: [previous], retired: [retired] });
    expect(currentLinkKey(JSON.stringify({ current, retired: [retired] }))).toBe(current);
  });

  it.each([
    ['JSON without current', JSON.stringify({ previous: [previous] }), '"current"'],
    ['retired keys that are not a list', JSON.stringify({ current, retired: retired }), '"retired"'],
    ['text that is not JSON', `{ ${retired}`, '"current"'],
  ])('fails for %s, naming the field and quoting no key', (_case, value, field) => {
    const parse = () => parseLinkKeys(value);
    expect(parse).toThrow(LinkConfigurationError);
    expect(parse).toThrow(field);
    expect(() => parseLinkKeys(value)).not.toThrow(new RegExp(`${retired}|${previous}`));
  });
});

describe('the consent API verifying with rotated keys', () => {
  const secrets = acceptedSecrets(linksWithKeys('https://prefs.example.com', { current, previous: [previous], retired: [retired] }));

  it('verifies an unsubscribe link of a retired key, long after its signed expiry', () => {
    const token = signToken({ ...claims, purpose: 'unsubscribe' }, retired, { now: signedAt, ttlSeconds: 180 * 86_400 });
    expect(verifyToken(token, secrets, { now, purpose: 'unsubscribe' }).customerId).toBe('c-1');
  });

  it.each(['preferences', 'confirm'] as const)('refuses a %s link of a retired key', (purpose) => {
    const token = signToken({ ...claims, purpose }, retired, { now: new Date(now.getTime() - 3_600_000), ttlSeconds: 86_400 });
    expect(() => verifyToken(token, secrets, { now, purpose })).toThrow(TokenInvalidError);
  });

  it('verifies a preference link of the previous key', () => {
    const token = signToken({ ...claims, purpose: 'preferences' }, previous, { now: new Date(now.getTime() - 3_600_000), ttlSeconds: 86_400 });
    expect(verifyToken(token, secrets, { now, purpose: 'preferences' }).customerId).toBe('c-1');
  });
});
