/**
 * One-click unsubscribe (RFC 8058): a POST of `List-Unsubscribe=One-Click` to the signed URL from
 * the message revokes the token's topic on the token's channel, with no login and no further step.
 * The revocation is stated after the consent it revokes (see linkChangeInstant), so it takes effect
 * however close behind a grant it comes. Idempotent: a replay finds the consent already revoked
 * and writes nothing, and a replay racing the original writes the identical ledger entry, which
 * the store dedupes.
 */
import type { Channel, Topic } from '../customer/model';
import { TokenError } from '../unsubscribe/errors';
import { DEFAULT_TOKEN_TTL_SECONDS, signToken, verifyToken, type VerifiedToken } from '../unsubscribe/token';
import type { ConsentApiDependencies } from './dependencies';
import { linkChangeInstant, proofFrom, verifyLinkToken, type RequestOrigin } from './request-origin';

/** The proof source of a revocation by one-click unsubscribe. */
export const ONE_CLICK_SOURCE = 'one-click-unsubscribe';

/** What was unsubscribed; the same whether or not the customer exists or was already unsubscribed. */
export interface UnsubscribeAnswer {
  readonly channel: Channel;
  readonly topic: Topic;
}

/**
 * Revokes the consent the `unsubscribe` token is scoped to.
 * @throws a TokenError for a tampered, expired or wrong-purpose token; nothing is written then.
 */
export async function unsubscribeOneClick(deps: ConsentApiDependencies, token: string, origin: RequestOrigin): Promise<UnsubscribeAnswer> {
  const claims = verifyLinkToken(deps, token, 'unsubscribe');
  const answer = { channel: claims.channel, topic: claims.topic };
  const snapshot = await deps.store.getSnapshot(claims.customerId);
  if (snapshot === undefined) return answer;
  const state = snapshot.consents.find((consent) => consent.channel === claims.channel && consent.topic === claims.topic);
  if (state?.status === 'revoked') return answer;
  await deps.store.recordConsent(claims.customerId, {
    channel: claims.channel,
    topic: claims.topic,
    status: 'revoked',
    at: linkChangeInstant(deps.now(), 'revoked', state?.at),
    proof: proofFrom(origin, ONE_CLICK_SOURCE),
  });
  return answer;
}

/**
 * The preference-centre token the unsubscribe page of `token` may offer: the one the same message
 * would have carried beside it, for the same customer, channel and topic, issued at the same
 * instant and expiring no later than the unsubscribe token's signed `exp` (nor past the
 * configured preference-link lifetime); undefined when no such token would still be valid.
 *
 * An unsubscribe token is accepted at any age and from a retired key, because revoking is always
 * safe; a preference link can grant consent and opens the consent export, so it expires and no
 * retired key opens one. A fresh preference token minted from any valid unsubscribe link would
 * turn a years-old footer link, or a leaked retired key, into a live preference centre. Keeping
 * the issue instant also keeps what a link that came by SMS proves (preference-centre.ts
 * smsLinkReached): the text was sent then, not now; keeping the destination digest, what a link
 * that came by email proves: the mailbox it was sent to, not the one on the profile now.
 */
export function preferencesTokenBeside(deps: Pick<ConsentApiDependencies, 'links' | 'now'>, token: string): string | undefined {
  const now = deps.now();
  let claims: VerifiedToken;
  try {
    // The keys that verify every purpose only: a retired key's unsubscribe link opens nothing else.
    claims = verifyToken(token, [deps.links.secret, ...(deps.links.previousSecrets ?? [])], { now, purpose: 'unsubscribe' });
  } catch (error) {
    if (error instanceof TokenError) return undefined;
    throw error;
  }
  const issuedAt = claims.issuedAt.getTime();
  const configured = deps.links.ttlSeconds?.preferences ?? DEFAULT_TOKEN_TTL_SECONDS.preferences;
  const ttlSeconds = Math.min(configured, Math.floor((claims.expiresAt.getTime() - issuedAt) / 1000));
  if (ttlSeconds <= 0 || now.getTime() >= issuedAt + ttlSeconds * 1000) return undefined;
  const { customerId, channel, topic, destination } = claims;
  return signToken({ customerId, channel, topic, ...(destination === undefined ? {} : { destination }), purpose: 'preferences' }, deps.links.secret, {
    now: claims.issuedAt,
    ttlSeconds,
  });
}
