import fc from 'fast-check';
import {
  LinkConfigurationError,
  messageLinks,
  signToken,
  tokenFromUrl,
  TokenExpiredError,
  TokenInvalidError,
  TokenPurposeError,
  unsubscribeUrl,
  verifyToken,
  type TokenClaims,
} from '../../lib/unsubscribe';

const secret = 'test-secret-that-is-long-enough-0123456789';
const otherSecret = 'another-secret-that-is-long-enough-987654';
const issuedAt = new Date('2026-03-02T09:00:00Z');
const claims: TokenClaims = { customerId: 'c-001', channel: 'email', topic: 'marketing', purpose: 'unsubscribe' };
const hourLater = new Date('2026-03-02T10:00:00Z');

function validToken(): string {
  return signToken(claims, secret, { now: issuedAt, ttlSeconds: 86_400 });
}

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The base64url character whose 6-bit value differs from `character`'s in the lowest bit only. */
function flipLowestBit(character: string): string {
  return BASE64URL_ALPHABET.charAt(BASE64URL_ALPHABET.indexOf(character) ^ 1);
}

describe('signToken and verifyToken', () => {
  it('round-trips the claims with their validity period', () => {
    // Prepare
    const token = validToken();
    // Act
    const verified = verifyToken(token, secret, { now: hourLater, purpose: 'unsubscribe' });
    // Assess
    expect(verified).toEqual({
      ...claims,
      issuedAt: issuedAt,
      expiresAt: new Date('2026-03-03T09:00:00Z'),
    });
  });

  it('writes the compact format: ids, one letter each for purpose and channel, base-36 times, a 96-bit signature', () => {
    // Act
    const token = validToken();
    // Assess
    expect(token).toMatch(/^2ue\.c-001\.marketing\.tb9l00\.1uo0\.[A-Za-z0-9_-]{16}$/);
  });

  it('keeps a token within 36 characters of its customer id and topic, so a text with a link stays short', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/), fc.constantFrom(...(['email', 'sms', 'mail'] as const)), (customerId, channel) => {
        // Act
        const token = signToken({ customerId, channel, topic: 'marketing', purpose: 'preferences' }, secret, { now: issuedAt, ttlSeconds: 180 * 86_400 });
        // Assess
        expect(token.length).toBeLessThanOrEqual(36 + customerId.length + 'marketing'.length);
        expect(verifyToken(token, secret, { now: hourLater, purpose: 'preferences' })).toMatchObject({ customerId, channel });
      }),
    );
  });

  it('round-trips a confirmation link\'s destination digest, which no more than the signature covers', () => {
    // Prepare
    const confirm = { ...claims, purpose: 'confirm' as const, destination: 'k3Yd0v6Qd1mYxJt2H0lA9w' };
    const token = signToken(confirm, secret, { now: issuedAt, ttlSeconds: 86_400 });
    const forged = token.replace(confirm.destination, 'AAAAAAAAAAAAAAAAAAAAAA');
    const withoutDestination = token.replace(`.${confirm.destination}`, '');
    // Act
    const verified = verifyToken(token, secret, { now: hourLater, purpose: 'confirm' });
    const verifyForged = () => verifyToken(forged, secret, { now: hourLater, purpose: 'confirm' });
    const verifyWithout = () => verifyToken(withoutDestination, secret, { now: hourLater, purpose: 'confirm' });
    // Assess
    expect(verified.destination).toBe(confirm.destination);
    expect(verifyForged).toThrow(TokenInvalidError);
    expect(verifyWithout).toThrow(TokenInvalidError);
  });

  it('refuses a token signed with another secret', () => {
    // Prepare
    const token = signToken(claims, otherSecret, { now: issuedAt, ttlSeconds: 86_400 });
    // Act
    const verify = () => verifyToken(token, secret, { now: hourLater, purpose: 'unsubscribe' });
    // Assess
    expect(verify).toThrow(TokenInvalidError);
  });

  it('accepts a token signed with the previous secret during a rotation', () => {
    // Prepare
    const token = signToken(claims, otherSecret, { now: issuedAt, ttlSeconds: 86_400 });
    // Act
    const verified = verifyToken(token, [secret, otherSecret], { now: hourLater, purpose: 'unsubscribe' });
    // Assess
    expect(verified.customerId).toBe('c-001');
  });

  it.each(['preferences', 'confirm'] as const)('refuses a %s token at and after its expiry', (purpose) => {
    // Prepare
    const token = signToken({ ...claims, purpose }, secret, { now: issuedAt, ttlSeconds: 86_400 });
    // Act
    const atExpiry = () => verifyToken(token, secret, { now: new Date('2026-03-03T09:00:00Z'), purpose });
    const justBefore = verifyToken(token, secret, { now: new Date('2026-03-03T08:59:59Z'), purpose });
    // Assess
    expect(atExpiry).toThrow(TokenExpiredError);
    expect(justBefore.customerId).toBe('c-001');
  });

  it('accepts an unsubscribe token years past its signed expiry: revoking is always safe', () => {
    // Prepare
    const token = validToken();
    // Act
    const verified = verifyToken(token, secret, { now: new Date('2031-03-02T09:00:00Z'), purpose: 'unsubscribe' });
    // Assess
    expect(verified).toMatchObject({ customerId: 'c-001', purpose: 'unsubscribe', expiresAt: new Date('2026-03-03T09:00:00Z') });
  });

  it('accepts a token of a retired secret only for the purposes the secret is scoped to', () => {
    // Prepare
    const keys = [secret, { secret: otherSecret, purposes: ['unsubscribe'] as const }];
    const unsubscribe = signToken(claims, otherSecret, { now: issuedAt, ttlSeconds: 86_400 });
    const preferences = signToken({ ...claims, purpose: 'preferences' }, otherSecret, { now: issuedAt, ttlSeconds: 86_400 });
    // Act
    const verified = verifyToken(unsubscribe, keys, { now: hourLater, purpose: 'unsubscribe' });
    const openPreferences = () => verifyToken(preferences, keys, { now: hourLater, purpose: 'preferences' });
    // Assess
    expect(verified.customerId).toBe('c-001');
    expect(openPreferences).toThrow(TokenInvalidError);
    expect(openPreferences).toThrow('signed with a retired key, which verifies unsubscribe tokens only');
  });

  it('calls an expired token of a retired secret, for a purpose the secret does not cover, not valid rather than expired', () => {
    // Prepare
    const keys = [secret, { secret: otherSecret, purposes: ['unsubscribe'] as const }];
    const preferences = signToken({ ...claims, purpose: 'preferences' }, otherSecret, { now: issuedAt, ttlSeconds: 86_400 });
    // Act
    const openPreferences = () => verifyToken(preferences, keys, { now: new Date('2028-03-02T09:00:00Z'), purpose: 'preferences' });
    // Assess
    expect(openPreferences).toThrow(TokenInvalidError);
    expect(openPreferences).toThrow('signed with a retired key, which verifies unsubscribe tokens only');
  });

  it('refuses a genuine token used for another purpose', () => {
    // Prepare
    const token = signToken({ ...claims, purpose: 'preferences' }, secret, { now: issuedAt, ttlSeconds: 86_400 });
    // Act
    const verify = () => verifyToken(token, secret, { now: hourLater, purpose: 'unsubscribe' });
    // Assess
    expect(verify).toThrow(TokenPurposeError);
    expect(verify).toThrow('issued for "preferences", not "unsubscribe"');
  });

  it.each([
    ['an empty string', ''],
    ['no separator', 'abcdef'],
    ['three parts', 'a.b.c'],
    ['padding characters', 'abc=.def='],
    ['a huge input', `${'a'.repeat(5000)}.b`],
    ['a compact token with no signature', '2ue.c-001.marketing.tb9l00.1uo0'],
    ['a compact token with a short signature', '2ue.c-001.marketing.tb9l00.1uo0.AAAAAAAAAAAAAAA'],
  ])('refuses %s as invalid', (_case, token) => {
    // Act
    const verify = () => verifyToken(token, secret, { now: hourLater, purpose: 'unsubscribe' });
    // Assess
    expect(verify).toThrow(TokenInvalidError);
  });

  it('refuses a secret shorter than 32 bytes', () => {
    // Act
    const sign = () => signToken(claims, 'short', { now: issuedAt, ttlSeconds: 60 });
    // Assess
    expect(sign).toThrow(LinkConfigurationError);
  });

  it('fails verification for any single-character change of a valid token', () => {
    const token = validToken();
    fc.assert(
      fc.property(
        fc.nat({ max: token.length - 1 }),
        fc.oneof(fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.='), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' })),
        (index, replacement) => {
          fc.pre(replacement !== token[index]);
          // Prepare
          const tampered = `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
          // Act
          const verify = () => verifyToken(tampered, secret, { now: hourLater, purpose: 'unsubscribe' });
          // Assess
          expect(verify).toThrow(TokenInvalidError);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('links signed in the JSON format, before the compact one', () => {
  // Signed by the code before the compact format (204790c) with `secret`: an email's one-click
  // link of 2025-01-15 for 180 days, and a text's preference link of 2026-03-01 for 180 days.
  const emailUnsubscribe =
    'eyJ2IjoxLCJzdWIiOiJjLTAwMSIsImNoIjoiZW1haWwiLCJ0cCI6Im1hcmtldGluZyIsInB1ciI6InVuc3Vic2NyaWJlIiwiaWF0IjoxNzM2OTMxNjAwLCJleHAiOjE3NTI0ODM2MDAsImRzdCI6ImszWWQwdjZRZDFtWXhKdDJIMGxBOXcifQ.q71LQboiH_bTP13aguAKsy0opMbxKO-9r6nzqp_cBzs';
  const smsPreferences =
    'eyJ2IjoxLCJzdWIiOiJjLTAwMSIsImNoIjoic21zIiwidHAiOiJtYXJrZXRpbmciLCJwdXIiOiJwcmVmZXJlbmNlcyIsImlhdCI6MTc3MjM1NTYwMCwiZXhwIjoxNzg3OTA3NjAwfQ.-gOHCUTTD8AChaWRGqgmqMJoEcnF9B7Nqq7fckklAEs';

  it('still verifies them, the unsubscribe link at any age', () => {
    // Act
    const unsubscribe = verifyToken(emailUnsubscribe, secret, { now: new Date('2030-01-01T00:00:00Z'), purpose: 'unsubscribe' });
    const preferences = verifyToken(smsPreferences, secret, { now: hourLater, purpose: 'preferences' });
    // Assess
    expect(unsubscribe).toEqual({
      customerId: 'c-001',
      channel: 'email',
      topic: 'marketing',
      purpose: 'unsubscribe',
      destination: 'k3Yd0v6Qd1mYxJt2H0lA9w',
      issuedAt: new Date('2025-01-15T09:00:00Z'),
      expiresAt: new Date('2025-07-14T09:00:00Z'),
    });
    expect(preferences).toMatchObject({ customerId: 'c-001', channel: 'sms', purpose: 'preferences', expiresAt: new Date('2026-08-28T09:00:00Z') });
  });

  it('refuses them with another secret, for another purpose, or past the expiry of a preference link', () => {
    // Act
    const otherKey = () => verifyToken(emailUnsubscribe, otherSecret, { now: hourLater, purpose: 'unsubscribe' });
    const otherPurpose = () => verifyToken(smsPreferences, secret, { now: hourLater, purpose: 'unsubscribe' });
    const expired = () => verifyToken(smsPreferences, secret, { now: new Date('2026-08-28T09:00:00Z'), purpose: 'preferences' });
    // Assess
    expect(otherKey).toThrow(TokenInvalidError);
    expect(otherPurpose).toThrow(TokenPurposeError);
    expect(expired).toThrow(TokenExpiredError);
  });

  it('refuses a signature whose last character differs only in bits that base64url decoding drops', () => {
    // Prepare: 32 bytes take 43 characters; the last one carries 4 bits and 2 spare ones.
    const [payload, signature = ''] = emailUnsubscribe.split('.');
    const tampered = `${payload}.${signature.slice(0, -1)}${flipLowestBit(signature.slice(-1))}`;
    expect(Buffer.from(tampered.split('.')[1] ?? '', 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
    // Act
    const verify = () => verifyToken(tampered, secret, { now: hourLater, purpose: 'unsubscribe' });
    // Assess
    expect(verify).toThrow(TokenInvalidError);
  });

  it('fails verification for any single-character change', () => {
    fc.assert(
      fc.property(fc.nat({ max: emailUnsubscribe.length - 1 }), fc.constantFrom(...`${BASE64URL_ALPHABET}.=`), (index, replacement) => {
        fc.pre(replacement !== emailUnsubscribe[index]);
        // Act
        const verify = () =>
          verifyToken(`${emailUnsubscribe.slice(0, index)}${replacement}${emailUnsubscribe.slice(index + 1)}`, secret, { now: hourLater, purpose: 'unsubscribe' });
        // Assess
        expect(verify).toThrow(TokenInvalidError);
      }),
      { numRuns: 500 },
    );
  });
});

describe('links', () => {
  it('signs unsubscribe and preference links scoped to the customer, channel and topic', () => {
    // Act
    const links = messageLinks(
      { customerId: 'c-001', channel: 'sms', topic: 'newsletter' },
      { baseUrl: 'https://example.com/overture', secret },
      issuedAt,
    );
    // Assess
    expect(links.unsubscribeUrl).toMatch(/^https:\/\/example\.com\/overture\/unsubscribe\?token=2us\.c-001\.newsletter\.[\w.-]+$/);
    expect(links.preferencesUrl).toMatch(/^https:\/\/example\.com\/overture\/p\?token=2ps\.c-001\.newsletter\./);
    expect(verifyToken(tokenFromUrl(links.unsubscribeUrl), secret, { now: hourLater, purpose: 'unsubscribe' })).toMatchObject({
      customerId: 'c-001',
      channel: 'sms',
      topic: 'newsletter',
    });
    expect(() => verifyToken(tokenFromUrl(links.preferencesUrl), secret, { now: hourLater, purpose: 'unsubscribe' })).toThrow(
      TokenPurposeError,
    );
  });

  it("takes the long route for an email's preference link and the short one for a text's or a postcard's", () => {
    // Act
    const routeOf = (channel: 'email' | 'sms' | 'mail') =>
      new URL(messageLinks({ customerId: 'c-001', channel, topic: 'marketing' }, { baseUrl: 'https://example.com', secret }, issuedAt).preferencesUrl).pathname;
    // Assess
    expect([routeOf('email'), routeOf('sms'), routeOf('mail')]).toEqual(['/preferences', '/p', '/p']);
  });

  it.each([
    ['plain http on a public host', 'http://example.com'],
    ['a query string', 'https://example.com/?a=1'],
    ['not a URL', 'example.com'],
  ])('refuses a base URL with %s', (_case, baseUrl) => {
    // Act
    const build = () => unsubscribeUrl(baseUrl, 'a.b');
    // Assess
    expect(build).toThrow(LinkConfigurationError);
  });

  it('accepts plain http on localhost for the local stack', () => {
    // Act
    const url = unsubscribeUrl('http://localhost:3000', 'a.b');
    // Assess
    expect(url).toBe('http://localhost:3000/unsubscribe?token=a.b');
  });
});
