/**
 * Signed, expiring link tokens for one-click unsubscribe, the preference centre and double opt-in.
 *
 * Format: `<payload>.<signature>`, both base64url without padding.
 * - payload: JSON `{"v":1,"sub":customerId,"ch":channel,"tp":topic,"pur":purpose,"iat":s,"exp":s}`
 *   (times in whole seconds since the epoch), and for a confirmation link, or the unsubscribe and
 *   preference links of an email, `"dst"`: a keyed digest of the address it was sent to
 *   ({@link destinationDigest}). Ids only: no address ever goes into a link.
 * - signature: HMAC-SHA256 over `overture-link-token.v1.<payload>` (the text, not the decoded bytes)
 *   with the secret from configuration.
 *
 * Verification recomputes the signature text and compares it timing-safely with the one given, so
 * any change to any character — including the spare low bits of a base64url character, which
 * decoding would silently ignore — fails.
 *
 * Unsubscribe tokens never expire when verified: revoking is always safe, and RFC 8058 and the
 * Gmail/Yahoo bulk-sender rules want the one-click link of any message, however old, to work. Their
 * `exp` is still signed (the format is the same for every purpose) but only informs. Preference
 * and confirmation tokens can grant consent, so they expire (see {@link DEFAULT_TOKEN_TTL_SECONDS}).
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
  /**
   * The destination the link was sent to, as an opaque keyed digest (never the address itself,
   * {@link destinationDigest}): a confirmation link then confirms only while that is still the
   * customer's address, and a preference link from an email grants email at once only while it
   * is. Carried by confirmation links and the unsubscribe and preference links of an email (the
   * unsubscribe page passes it on to the preference link it offers); absent from links by SMS or
   * post, and from links signed before it existed.
   */
  readonly destination?: string;
}

const DESTINATION_CONTEXT = 'overture-confirm-destination.v1.';

/**
 * The digest of `address` a link carries as its `destination` claim: keyed with the link secret,
 * so a link that leaks into a log does not give away an address anyone could guess from an
 * unkeyed hash; case and surrounding spaces do not count, as mail systems ignore them. (The
 * context string dates from when only confirmation links carried it; changing it would void them.)
 */
export function destinationDigest(address: string, secret: TokenSecret): string {
  return createHmac('sha256', secret).update(DESTINATION_CONTEXT).update(address.trim().toLowerCase()).digest('base64url').slice(0, 22);
}

/** The claims of a verified token, with its validity period. */
export interface VerifiedToken extends TokenClaims {
  readonly issuedAt: Date;
  /** The signed `exp`; already past for an old unsubscribe token, which is accepted all the same. */
  readonly expiresAt: Date;
}

/** A signing secret from configuration: at least 32 bytes (a 256-bit key for HMAC-SHA256). */
export type TokenSecret = string | Uint8Array;

/**
 * A secret that verifies tokens of some purposes only: a retired link key, kept so the unsubscribe
 * links it signed keep working, without letting it open a preference centre or confirm a consent
 * (a key kept for years is more likely to leak, and a leaked key could then only revoke).
 */
export interface ScopedTokenSecret {
  readonly secret: TokenSecret;
  readonly purposes: readonly TokenPurpose[];
}

/** A secret verification accepts: for every purpose, or scoped to some. */
export type VerificationSecret = TokenSecret | ScopedTokenSecret;

/**
 * Lifetimes signed into new tokens. Verification enforces them for `preferences` and `confirm`
 * only: an unsubscribe link keeps working past its `exp` (see {@link expiryApplies}).
 */
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
  dst: z.optional(z.string().check(z.regex(BASE64URL), z.maxLength(64))),
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
    ...(claims.destination === undefined ? {} : { dst: claims.destination }),
  });
  const encodedPayload = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${encodedPayload}.${signatureOf(encodedPayload, secretBytes(secret))}`;
}

/** Whether a token of `purpose` is refused after its `exp`: every purpose but `unsubscribe`, since revoking is always safe. */
function expiryApplies(purpose: TokenPurpose): boolean {
  return purpose !== 'unsubscribe';
}

function isScoped(secret: VerificationSecret): secret is ScopedTokenSecret {
  return typeof secret === 'object' && !(secret instanceof Uint8Array);
}

function signatureMatches(encodedPayload: string, givenSignature: string, secret: TokenSecret): boolean {
  const expected = Buffer.from(signatureOf(encodedPayload, secretBytes(secret)), 'utf8');
  const given = Buffer.from(givenSignature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Verifies `token` and returns its claims.
 *
 * `secret` may be a list during a rotation: the token is accepted if any of them signed it, and a
 * {@link ScopedTokenSecret} only for its purposes. Checks run in this order: shape and signature,
 * claims, purpose, the scope of the secret that signed it, and last expiry (a token expires at
 * `exp`, not one second later; never for `unsubscribe`, see {@link expiryApplies}).
 *
 * @throws TokenInvalidError, TokenPurposeError or TokenExpiredError.
 */
export function verifyToken(
  token: string,
  secret: VerificationSecret | readonly VerificationSecret[],
  options: { now: Date; purpose: TokenPurpose },
): VerifiedToken {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw new TokenInvalidError('wrong length');
  const parts = token.split('.');
  const [encodedPayload, givenSignature] = parts;
  if (parts.length !== 2 || encodedPayload === undefined || givenSignature === undefined) {
    throw new TokenInvalidError('not of the form <payload>.<signature>');
  }
  if (!BASE64URL.test(encodedPayload) || !BASE64URL.test(givenSignature)) throw new TokenInvalidError('not base64url');

  const secrets: readonly VerificationSecret[] = Array.isArray(secret) ? secret : [secret as VerificationSecret];
  if (secrets.length === 0) throw new LinkConfigurationError('no link-token secret configured');
  const signer = secrets.find((candidate) =>
    signatureMatches(encodedPayload, givenSignature, isScoped(candidate) ? candidate.secret : candidate),
  );
  if (signer === undefined) throw new TokenInvalidError('bad signature');

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
  // Before expiry: a token its signer may not vouch for is not valid at any age, and "expired"
  // would tell its holder that a newer link of the same kind would work.
  if (isScoped(signer) && !signer.purposes.includes(payload.pur)) {
    throw new TokenInvalidError(`signed with a retired key, which verifies ${signer.purposes.join(', ') || 'no'} tokens only`);
  }
  const expiresAt = new Date(payload.exp * 1000);
  if (expiryApplies(payload.pur) && options.now.getTime() >= expiresAt.getTime()) throw new TokenExpiredError(expiresAt);

  return {
    customerId: payload.sub,
    channel: payload.ch,
    topic: payload.tp,
    purpose: payload.pur,
    ...(payload.dst === undefined ? {} : { destination: payload.dst }),
    issuedAt: new Date(payload.iat * 1000),
    expiresAt,
  };
}
