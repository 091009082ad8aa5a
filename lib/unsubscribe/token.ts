/**
 * Signed, expiring link tokens for one-click unsubscribe, the preference centre and double opt-in.
 *
 * Format: `<payload>.<signature>`, both base64url without padding.
 * - payload: JSON `{"v":1,"sub":customerId,"ch":channel,"tp":topic,"pur":purpose,"iat":s,"exp":s}`
 *   (times in whole seconds since the epoch). Ids only: no address ever goes into a link.
 * - signature: HMAC-SHA256 over `overture-link-token.v1.<payload>` (the text, not the decoded bytes)
 *   with the secret from configuration.
 *
 * Verification recomputes the signature text and compares it timing-safely with the one given, so
 * any change to any character — including the spare low bits of a base64url character, which
 * decoding would silently ignore — fails.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from '../schema/zod-mini';
import { ChannelSchema, CustomerIdSchema, TopicSchema, type Channel, type CustomerId, type Topic } from '../customer/model';
import { LinkConfigurationError, TokenExpiredError, TokenInvalidError, TokenPurposeError } from './errors';

export const TOKEN_PURPOSES = ['unsubscribe', 'preferences', 'confirm'] as const;
export const TokenPurposeSchema = z.enum(TOKEN_PURPOSES);
/** What a link may do: revoke one topic on one channel, open the preference centre, or confirm a pending consent. */
export type TokenPurpose = z.infer<typeof TokenPurposeSchema>;

/** What a token is scoped to. */
export interface TokenClaims {
  readonly customerId: CustomerId;
  readonly channel: Channel;
  readonly topic: Topic;
  readonly purpose: TokenPurpose;
}

/** The claims of a verified token, with its validity period. */
export interface VerifiedToken extends TokenClaims {
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

/** A signing secret from configuration: at least 32 bytes (a 256-bit key for HMAC-SHA256). */
export type TokenSecret = string | Uint8Array;

/** Suggested lifetimes. Unsubscribe links sit in inboxes for months and must keep working (RFC 8058, bulk-sender rules). */
export const DEFAULT_TOKEN_TTL_SECONDS: Readonly<Record<TokenPurpose, number>> = {
  unsubscribe: 180 * 24 * 3600,
  preferences: 180 * 24 * 3600,
  confirm: 7 * 24 * 3600,
};

const MIN_SECRET_BYTES = 32;
/** Longer inputs are refused before any work, so a hostile URL cannot make us hash megabytes. */
const MAX_TOKEN_LENGTH = 1024;
const SIGNING_CONTEXT = 'overture-link-token.v1.';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const WirePayloadSchema = z.strictObject({
  v: z.literal(1),
  sub: CustomerIdSchema,
  ch: ChannelSchema,
  tp: TopicSchema,
  pur: TokenPurposeSchema,
  iat: z.int().check(z.nonnegative()),
  exp: z.int().check(z.positive()),
});

function secretBytes(secret: TokenSecret): Buffer {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new LinkConfigurationError(`the link-token secret must be at least ${MIN_SECRET_BYTES} bytes, got ${bytes.length}`);
  }
  return bytes;
}

function signatureOf(encodedPayload: string, secret: Buffer): string {
  return createHmac('sha256', secret).update(SIGNING_CONTEXT).update(encodedPayload).digest('base64url');
}

function toSeconds(instant: Date): number {
  return Math.floor(instant.getTime() / 1000);
}

/**
 * Signs a token for `claims`, valid from `now` for `ttlSeconds`.
 *
 * @throws LinkConfigurationError when the secret is shorter than 32 bytes or the TTL is not a positive whole number.
 */
export function signToken(claims: TokenClaims, secret: TokenSecret, options: { now: Date; ttlSeconds: number }): string {
  if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds <= 0) {
    throw new LinkConfigurationError(`ttlSeconds must be a positive whole number, got ${options.ttlSeconds}`);
  }
  const issuedAt = toSeconds(options.now);
  const payload = WirePayloadSchema.parse({
    v: 1,
    sub: claims.customerId,
    ch: claims.channel,
    tp: claims.topic,
    pur: claims.purpose,
    iat: issuedAt,
    exp: issuedAt + options.ttlSeconds,
  });
  const encodedPayload = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${encodedPayload}.${signatureOf(encodedPayload, secretBytes(secret))}`;
}

function signatureMatches(encodedPayload: string, givenSignature: string, secret: TokenSecret): boolean {
  const expected = Buffer.from(signatureOf(encodedPayload, secretBytes(secret)), 'utf8');
  const given = Buffer.from(givenSignature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Verifies `token` and returns its claims.
 *
 * `secret` may be a list during a rotation: the token is accepted if any of them signed it.
 * Checks run in this order: shape and signature, claims, purpose, expiry (a token expires at
 * `exp`, not one second later).
 *
 * @throws TokenInvalidError, TokenPurposeError or TokenExpiredError.
 */
export function verifyToken(
  token: string,
  secret: TokenSecret | readonly TokenSecret[],
  options: { now: Date; purpose: TokenPurpose },
): VerifiedToken {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw new TokenInvalidError('wrong length');
  const parts = token.split('.');
  const [encodedPayload, givenSignature] = parts;
  if (parts.length !== 2 || encodedPayload === undefined || givenSignature === undefined) {
    throw new TokenInvalidError('not of the form <payload>.<signature>');
  }
  if (!BASE64URL.test(encodedPayload) || !BASE64URL.test(givenSignature)) throw new TokenInvalidError('not base64url');

  const secrets: readonly TokenSecret[] = Array.isArray(secret) ? secret : [secret as TokenSecret];
  if (secrets.length === 0) throw new LinkConfigurationError('no link-token secret configured');
  if (!secrets.some((candidate) => signatureMatches(encodedPayload, givenSignature, candidate))) {
    throw new TokenInvalidError('bad signature');
  }

  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(encodedPayload, 'base64url').toString('utf8'));
  } catch (error) {
    throw new TokenInvalidError('payload is not JSON', { cause: error });
  }
  const parsed = WirePayloadSchema.safeParse(decoded);
  if (!parsed.success) throw new TokenInvalidError('unexpected claims', { cause: parsed.error });
  const payload = parsed.data;

  if (payload.pur !== options.purpose) throw new TokenPurposeError(options.purpose, payload.pur);
  const expiresAt = new Date(payload.exp * 1000);
  if (options.now.getTime() >= expiresAt.getTime()) throw new TokenExpiredError(expiresAt);

  return {
    customerId: payload.sub,
    channel: payload.ch,
    topic: payload.tp,
    purpose: payload.pur,
    issuedAt: new Date(payload.iat * 1000),
    expiresAt,
  };
}
