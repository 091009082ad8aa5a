/**
 * Signed, expiring link tokens for one-click unsubscribe, the preference centre and double opt-in.
 *
 * A token is scoped to one customer id, channel, topic and purpose, with its issue and expiry
 * times, and for a confirmation link, or the unsubscribe and preference links of an email, a keyed
 * digest of the address it was sent to ({@link destinationDigest}). Ids only: no address ever goes
 * into a link. New tokens are written in the compact format; tokens of the JSON format signed
 * before are still verified (token-wire.ts has both).
 *
 * Unsubscribe tokens never expire when verified: revoking is always safe, and RFC 8058 and the
 * Gmail/Yahoo bulk-sender rules want the one-click link of any message, however old, to work. Their
 * `exp` is still signed (the format is the same for every purpose) but only informs. Preference
 * and confirmation tokens can grant consent, so they expire (see {@link DEFAULT_TOKEN_TTL_SECONDS}).
 */
import { createHmac } from 'node:crypto';
import type * as z from '../schema/zod-mini';
import type { Channel, CustomerId, Topic } from '../customer/model';
import { comparableAddress } from '../customer/consent-address';
import { LinkConfigurationError, TokenExpiredError, TokenInvalidError, TokenPurposeError } from './errors';
import { isCompactToken, readCompactToken, readJsonToken, writeCompactToken, type TokenPurposeSchema, type TokenSecret } from './token-wire';

export { TOKEN_PURPOSES, TokenPurposeSchema, type TokenSecret } from './token-wire';
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
  return createHmac('sha256', secret).update(DESTINATION_CONTEXT).update(comparableAddress(address)).digest('base64url').slice(0, 22);
}

/** The claims of a verified token, with its validity period. */
export interface VerifiedToken extends TokenClaims {
  readonly issuedAt: Date;
  /** The signed `exp`; already past for an old unsubscribe token, which is accepted all the same. */
  readonly expiresAt: Date;
}

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

/** Longer inputs are refused before any work, so a hostile URL cannot make us hash megabytes. */
const MAX_TOKEN_LENGTH = 1024;

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
  return writeCompactToken(
    {
      sub: claims.customerId,
      ch: claims.channel,
      tp: claims.topic,
      pur: claims.purpose,
      iat: issuedAt,
      exp: issuedAt + options.ttlSeconds,
      ...(claims.destination === undefined ? {} : { dst: claims.destination }),
    },
    secret,
  );
}

/** Whether a token of `purpose` is refused after its `exp`: every purpose but `unsubscribe`, since revoking is always safe. */
function expiryApplies(purpose: TokenPurpose): boolean {
  return purpose !== 'unsubscribe';
}

function isScoped(secret: VerificationSecret): secret is ScopedTokenSecret {
  return typeof secret === 'object' && !(secret instanceof Uint8Array);
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
  const secrets: readonly VerificationSecret[] = Array.isArray(secret) ? secret : [secret as VerificationSecret];
  if (secrets.length === 0) throw new LinkConfigurationError('no link-token secret configured');
  const read = isCompactToken(token) ? readCompactToken : readJsonToken;
  const { claims: payload, signer } = read(token, secrets, (candidate) => (isScoped(candidate) ? candidate.secret : candidate));

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
