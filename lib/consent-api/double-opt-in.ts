/**
 * Double opt-in for email: a consent given for an address stays `pending` until someone who reads
 * that mailbox follows the signed `confirm` link sent to it and presses the button on the page it
 * opens. The confirmation is a transactional email (it asks for consent, so it cannot need it)
 * with one link per topic, each token scoped to the customer, `email` and that topic, and
 * expiring (7 days by default).
 *
 * Following the link writes nothing: mail security scanners fetch every link in incoming mail, so
 * a `GET` proves only that the message arrived, not that the person who reads the mailbox asked
 * for it. The grant is the page's `POST`.
 */
import { timingSafeEqual } from 'node:crypto';
import { TRANSACTIONAL, type ConsentProof, type ConsentState, type CustomerSnapshot, type Topic } from '../customer/model';
import { StoreContentionError } from '../store/errors';
import { confirmUrl } from '../unsubscribe/links';
import { DEFAULT_TOKEN_TTL_SECONDS, destinationDigest, type VerifiedToken } from '../unsubscribe/token';
import { claimConfirmationBudget, giveBackConfirmationBudget } from './confirmation-budget';
import { sendConfirmationOrReport } from './confirmation-failures';
import { signLinkToken, type ConsentApiDependencies, type ConsentApiLinks, type TopicOffer } from './dependencies';
import { html } from './pages/html';
import { proofFrom, verifyLinkToken, type RequestOrigin } from './request-origin';

/** The journey and step names the confirmation email is tagged with (SES events carry them). */
export const CONFIRMATION_EMAIL_TAGS = { journey: 'consent', step: 'double-opt-in' } as const;

/** The proof source of a consent granted by following a confirmation link. */
export const DOUBLE_OPT_IN_SOURCE = 'double-opt-in';

/**
 * Whether a link that came by email (a confirmation link, or a preference link: preference-centre.ts)
 * was sent to the address on the customer's profile now. The link proves that someone reads the
 * mailbox it was sent to, and nothing about another one: once the profile holds another address
 * (an ingested event changed it, a typo was corrected), the old link must not grant email to the
 * new address. The digest is compared under every key that verifies confirmation and preference
 * links (the current and previous ones). A link without the claim (signed before it existed), or
 * of an unknown customer (answered as confirmed, writing nothing), is read as before.
 */
export function sentToAddressOnFile(links: ConsentApiLinks, claims: VerifiedToken, snapshot: CustomerSnapshot | undefined): boolean {
  if (claims.destination === undefined || snapshot === undefined) return true;
  return isDigestOf(links, claims.destination, snapshot.profile.email);
}

/**
 * Whether `digest` is the destination digest of `address` (an email address or a number) under a
 * key that verifies links (the current one or a previous one): a digest made under a key retired
 * since matches nothing.
 */
export function isDigestOf(links: ConsentApiLinks, digest: string, address: string | undefined): boolean {
  if (address === undefined) return false;
  const given = Buffer.from(digest);
  return [links.secret, ...(links.previousSecrets ?? [])].some((secret) => {
    const expected = Buffer.from(destinationDigest(address, secret));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

/**
 * The proof of a pending email request whose confirmation goes to `address`: `proof` naming the
 * address's digest (`destination`, under the current link key), so that a later tick can tell
 * whether that confirmation could still confirm (isOpenEmailRequest). Without an address (none
 * on file) the proof names none.
 */
export function emailRequestProof<P extends ConsentProof>(links: ConsentApiLinks, proof: P, address: string | undefined): P {
  return address === undefined ? proof : { ...proof, destination: destinationDigest(address, links.secret) };
}

/**
 * Whether the email consent `state` is a request whose confirmation could still confirm it for
 * `address`, the address on the profile now, at `now`, so that asking for it again sends nothing:
 * pending, younger than a confirmation link lives (7 days by default: an older link answers
 * "expired", and nothing else confirms), and sent to that address (`state.destination`, compared
 * as sentToAddressOnFile compares a link's). A request sent to an address the profile no longer
 * holds is not: its link confirms nothing (address_changed), and the new address gets its own
 * confirmation. A request recorded without a destination (before requests named one) is taken to
 * have gone to the address on file.
 */
export function isOpenEmailRequest(links: ConsentApiLinks, state: ConsentState | undefined, address: string | undefined, now: Date): boolean {
  if (state?.channel !== 'email' || state.status !== 'pending') return false;
  const lifetimeMs = (links.ttlSeconds?.confirm ?? DEFAULT_TOKEN_TTL_SECONDS.confirm) * 1000;
  if (now.getTime() - Date.parse(state.at) >= lifetimeMs) return false;
  return state.destination === undefined || isDigestOf(links, state.destination, address);
}

function topicLabel(topics: readonly TopicOffer[] | undefined, topic: Topic): string {
  return topics?.find((offer) => offer.topic === topic)?.label ?? topic;
}

/** Sends one confirmation email to `to` for the pending email consents of `topics`. */
export async function sendEmailConfirmation(
  deps: Pick<ConsentApiDependencies, 'email' | 'links' | 'now' | 'topics'>,
  request: { readonly customerId: string; readonly to: string; readonly topics: readonly Topic[] },
): Promise<void> {
  const now = deps.now();
  const links = request.topics.map((topic) => ({
    label: topicLabel(deps.topics, topic),
    url: confirmUrl(
      deps.links.baseUrl,
      signLinkToken(
        deps.links,
        { customerId: request.customerId, channel: 'email', topic, purpose: 'confirm', destination: destinationDigest(request.to, deps.links.secret) },
        now,
      ),
    ),
  }));
  const subject = 'Please confirm your subscription';
  const htmlBody = html`<!doctype html><html lang="en"><body>
<p>Please confirm that you want to receive these emails from us. Open the link, then press the button on the page:</p>
<ul>${links.map((link) => html`<li><a href="${link.url}">Yes, send me ${link.label}</a></li>`)}</ul>
<p>If you did not ask for this, ignore this email: nothing will be sent to you.</p>
</body></html>`.text;
  const text = [
    'Please confirm that you want to receive these emails from us. Open the link, then press the button on the page:',
    '',
    ...links.map((link) => `${link.label}: ${link.url}`),
    '',
    'If you did not ask for this, ignore this email: nothing will be sent to you.',
  ].join('\n');
  await deps.email.send({
    to: request.to,
    customerId: request.customerId,
    journey: CONFIRMATION_EMAIL_TAGS.journey,
    step: CONFIRMATION_EMAIL_TAGS.step,
    topic: TRANSACTIONAL,
    content: { subject, html: htmlBody, text },
  });
}

/**
 * What became of a confirmation email: `sent`; `not_sent` (reported), the provider did not take it;
 * or `limit_reached` (reported), the address had its budget of confirmations (confirmation-budget.ts).
 */
export type EmailConfirmationOutcome = 'sent' | 'not_sent' | 'limit_reached';

/**
 * Sends the confirmation email within the address's budget (confirmation-budget.ts): claimed
 * first, given back when the provider certainly did not take the email. A budget spent is answered
 * `limit_reached`, a refusal or a failure `not_sent`; each is reported, not thrown
 * (sendConfirmationOrReport), and the consent stays pending either way.
 * @throws CustomerStoreError when the budget cannot be read or written.
 */
export async function sendEmailConfirmationOrReport(
  deps: Pick<ConsentApiDependencies, 'email' | 'links' | 'now' | 'topics' | 'phoneIndex' | 'confirmationNotSent'>,
  request: { readonly customerId: string; readonly to: string; readonly topics: readonly Topic[] },
): Promise<EmailConfirmationOutcome> {
  const { customerId, to } = request;
  const claim = await claimConfirmationBudget(deps, { customerId, channel: 'email', to });
  if (claim === undefined) return 'limit_reached';
  const delivery = await sendConfirmationOrReport(deps, { customerId, channel: 'email' }, () => sendEmailConfirmation(deps, request));
  if (delivery.kind === 'not_sent' && !delivery.mayHaveBeenSent) await giveBackConfirmationBudget(deps, claim);
  return delivery.kind;
}

/**
 * What the confirmation page offers, read without writing anything. `ask`: the button that
 * confirms; also when the consent is granted already and when the customer is unknown, so the page
 * tells neither whether a customer exists nor whether they confirmed before (pressing the button
 * then answers `confirmed` and changes nothing). `withdrawn_since`: the customer withdrew after
 * asking, and the button would change nothing, so none is offered. `address_changed`: the link
 * went to an address the profile no longer holds (sentToAddressOnFile), and confirms nothing.
 */
export type ConfirmationOffer = { readonly kind: 'ask' | 'withdrawn_since' | 'address_changed'; readonly topic: Topic };

/**
 * What pressing the confirmation button did. `confirmed` also when the consent was confirmed
 * before, and when the customer is unknown, so the answer never tells whether a customer exists;
 * `withdrawn_since` when the customer withdrew after asking (the old link does not override that);
 * `address_changed` when the link went to an address the profile no longer holds (nothing granted).
 */
export type ConfirmOutcome = { readonly kind: 'confirmed' | 'withdrawn_since' | 'address_changed'; readonly topic: Topic };

/**
 * Reads and grant attempts of one confirmation. Another attempt is made only when the consent
 * left `pending` and came back to it (asked for again) between a read and the grant, so a few
 * are plenty; past them the button answers an error and grants nothing.
 */
const CONFIRM_ATTEMPTS = 3;

/** The customer's consent the token is scoped to; undefined for an unknown customer or consent. */
function consentOf(snapshot: CustomerSnapshot | undefined, claims: VerifiedToken): ConsentState | undefined {
  return snapshot?.consents.find((consent) => consent.channel === claims.channel && consent.topic === claims.topic);
}

/**
 * The instant a double opt-in grant is stated at: `now`, to the millisecond, and never earlier
 * than just after the pending request it confirms (`pendingAt`).
 *
 * Not the whole second of the other link routes (linkChangeInstant): there, whole seconds make a
 * replay within the same second write the identical, deduplicated entry; here the grant is
 * written only `from: 'pending'`, so a replay or a second press writes nothing however its
 * instant falls. And a whole second
 * would state a confirmation made within the second of the request at or before the request
 * itself, where the store ranks the more restrictive `pending` above `granted` (or the request
 * simply comes later): the grant would reach the ledger only, and the consent stay pending while
 * the page says "confirmed". Just after `pendingAt` also keeps it in order when this clock is a
 * little behind the one that stated the request.
 */
function confirmationInstant(now: Date, pendingAt: string): string {
  return new Date(Math.max(now.getTime(), Date.parse(pendingAt) + 1)).toISOString();
}

/**
 * The proof of a double opt-in grant: `proof` naming the address on the profile (`email`), the one
 * the confirmation went to (sentToAddressOnFile checked the link's digest of it), so that the grant
 * counts for that address only (lib/customer/consent-address.ts): a later change of address needs
 * its own confirmation. With no address on file it names none.
 */
function grantProof(proof: ConsentProof, claims: VerifiedToken, snapshot: CustomerSnapshot | undefined): ConsentProof {
  const address = claims.channel === 'email' ? snapshot?.profile.email : undefined;
  return address === undefined ? proof : { ...proof, email: address };
}

/**
 * `GET /confirm?token=…`: what the confirmation page offers; see ConfirmationOffer. Writes nothing.
 * @throws a TokenError for a tampered, expired or wrong-purpose token.
 */
export async function openConfirmation(deps: ConsentApiDependencies, token: string): Promise<ConfirmationOffer> {
  const claims = verifyLinkToken(deps, token, 'confirm');
  const snapshot = await deps.store.getSnapshot(claims.customerId);
  const state = consentOf(snapshot, claims);
  // As the button answers (confirmConsent): a consent granted already, or none, is not told apart.
  if (state !== undefined && state.status !== 'granted' && !sentToAddressOnFile(deps.links, claims, snapshot)) {
    return { kind: 'address_changed', topic: claims.topic };
  }
  return { kind: state?.status === 'revoked' ? 'withdrawn_since' : 'ask', topic: claims.topic };
}

/**
 * `POST /confirm?token=…` (the page's button): grants the pending consent the token is scoped to.
 * The grant is written only while the consent is still `pending`: a withdrawal recorded after
 * this read wins, and the answer is then given from the consent as it is now.
 * @throws a TokenError for a tampered, expired or wrong-purpose token; nothing is written then.
 * @throws a StoreContentionError when the consent kept changing between each read and the grant;
 *   nothing is written then.
 */
export async function confirmConsent(deps: ConsentApiDependencies, token: string, origin: RequestOrigin): Promise<ConfirmOutcome> {
  const claims = verifyLinkToken(deps, token, 'confirm');
  for (let attempt = 1; attempt <= CONFIRM_ATTEMPTS; attempt += 1) {
    const snapshot = await deps.store.getSnapshot(claims.customerId);
    const state = consentOf(snapshot, claims);
    if (state === undefined || state.status === 'granted') return { kind: 'confirmed', topic: claims.topic };
    if (!sentToAddressOnFile(deps.links, claims, snapshot)) return { kind: 'address_changed', topic: claims.topic };
    if (state.status === 'revoked') return { kind: 'withdrawn_since', topic: claims.topic };
    const outcome = await deps.store.recordConsent(
      claims.customerId,
      {
        channel: claims.channel,
        topic: claims.topic,
        status: 'granted',
        at: confirmationInstant(deps.now(), state.at),
        proof: grantProof(proofFrom(origin, DOUBLE_OPT_IN_SOURCE), claims, snapshot),
      },
      { from: 'pending' },
    );
    if (outcome.state !== 'changed_since') return { kind: 'confirmed', topic: claims.topic };
  }
  throw new StoreContentionError(
    `confirm ${claims.channel}/${claims.topic} consent of customer ${claims.customerId}: it kept changing before the grant`,
  );
}
