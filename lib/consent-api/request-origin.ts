/**
 * Who made a request, as far as HTTP tells: the client IP from the API Gateway request context and
 * the User-Agent header. Both go into the proof of every consent the request records.
 */
import type { ConsentProof, ConsentStatus } from '../customer/model';
import { overridingInstant } from '../customer/overriding-instant';
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
 * The instant a consent change made through one of our links is stated at: `now` to the whole
 * second, moved to just after the state it overrides (`overriddenAt`, as the request read it)
 * when that state is as late or later.
 *
 * Whole seconds keep replays harmless: a replay in the same second, or one racing the original
 * from the same read, states the identical ledger entry (the store dedupes it), and a later replay
 * finds the state already changed and writes nothing. But other writers state instants to the
 * millisecond (a double opt-in grant, an ingested event), and the store keeps the state with the
 * latest instant: a withdrawal at 15:00:00.800 stated as 15:00:00.000 would lose to a grant stated
 * at 15:00:00.300, reaching the ledger only, while the page says "unsubscribed". Just after the
 * state read is derived from that read alone, so replays still agree on it.
 *
 * A withdrawal goes past any state it read, even one stated ahead of this clock (a producer's fast
 * clock): that state was recorded before the customer asked, and the customer's latest word is
 * the one that counts. A grant or request never goes past `now`: stating it in the future would
 * let it outrank withdrawals until then; against a state stated ahead of `now` it stays at the
 * whole second, and loses, which is the safe way round (overridingInstant).
 */
export function linkChangeInstant(now: Date, status: ConsentStatus, overriddenAt: string | undefined): string {
  const second = Math.floor(now.getTime() / 1000) * 1000;
  return overridingInstant(second, status, overriddenAt, now.getTime());
}
