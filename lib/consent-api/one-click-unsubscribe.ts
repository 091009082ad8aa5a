/**
 * One-click unsubscribe (RFC 8058): a POST of `List-Unsubscribe=One-Click` to the signed URL from
 * the message revokes the token's topic on the token's channel, with no login and no further step.
 * The revocation is stated after the consent it revokes (see linkChangeInstant), so it takes effect
 * however close behind a grant it comes. Idempotent: a replay finds the consent already revoked
 * and writes nothing, and a replay racing the original writes the identical ledger entry, which
 * the store dedupes.
 */
import type { Channel, Topic } from '../customer/model';
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
