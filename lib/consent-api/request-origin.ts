/**
 * Who made a request, as far as HTTP tells: the client IP from the API Gateway request context and
 * the User-Agent header. Both go into the proof of every consent the request records.
 */
import type { ConsentProof } from '../customer/model';
import { verifyToken, type TokenPurpose, type VerifiedToken } from '../unsubscribe/token';
import { acceptedSecrets, type ConsentApiDependencies } from './dependencies';

export interface RequestOrigin {
  /** `requestContext.http.sourceIp`. */
  readonly ip: string;
  /** The `User-Agent` header, if any. */
  readonly userAgent?: string;
}

/** User agents beyond this length are cut: they are proof, not payload. */
const MAX_USER_AGENT_LENGTH = 512;

/** The proof of a consent recorded by this request. */
export function proofFrom(origin: RequestOrigin, source: string, extra: Omit<ConsentProof, 'source' | 'ip' | 'userAgent'> = {}): ConsentProof {
  const userAgent = origin.userAgent?.trim().slice(0, MAX_USER_AGENT_LENGTH);
  return {
    source,
    ...(origin.ip === '' ? {} : { ip: origin.ip }),
    ...(userAgent === undefined || userAgent === '' ? {} : { userAgent }),
    ...extra,
  };
}

/**
 * Verifies a link token for `purpose` at the API's clock, accepting the current and previous secrets.
 * @throws TokenInvalidError, TokenPurposeError or TokenExpiredError (from lib/unsubscribe).
 */
export function verifyLinkToken(deps: Pick<ConsentApiDependencies, 'links' | 'now'>, token: string, purpose: TokenPurpose): VerifiedToken {
  return verifyToken(token, acceptedSecrets(deps.links), { now: deps.now(), purpose });
}

/**
 * The instant recorded for a change made by a link, to the second. A replay of the same request in
 * the same second then writes the very same ledger entry (the store dedupes it), and a later replay
 * finds the state already changed and writes nothing. The double opt-in grant, written only while
 * the consent is still pending, is stated to the millisecond instead (see confirmConsent).
 */
export function wholeSecond(now: Date): string {
  return new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString();
}
