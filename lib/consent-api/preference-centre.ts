/**
 * The preference centre, reached by the signed `preferences` link every message carries: see and
 * change the channels and their order, the topics per channel, the preferred time window, quiet
 * hours and the weekly maximum; or withdraw everything in one step. Every change of consent is a
 * ledger entry with its proof (source `preference-centre`, IP, user agent); preferences are
 * replaced as a whole. The gate reads them at the next send step of any journey.
 *
 * Granting email from a link that did not come by email (an SMS, a letter) only makes it
 * `pending` and sends a confirmation to the address on file: holding that link proves control of
 * the channel it came through, not of the mailbox. So does granting it from a link that came by
 * email to another address than the profile's now (its `destination` digest, sentToAddressOnFile
 * in double-opt-in.ts): that link proves the old mailbox, not the new one. A link without the
 * digest (signed before it existed) grants email at once, as before. A pending email request
 * counts as asked only while its confirmation went to the address on the profile now (the digest
 * its proof names, isOpenEmailRequest): once the profile holds another address (a typo corrected),
 * the old link confirms nothing, so a tick asks the new address, or grants at once from a link
 * that came by email to it. Granting SMS from a link that
 * did not come by SMS likewise makes it `pending` and texts the number on file to reply YES (sms-double-opt-in.ts);
 * from a link that came by SMS it is granted at once, when the link provably reached that phone
 * (see below). A pending
 * SMS request past its window (SMS_CONFIRMATION_WINDOW_MS), made for a number the profile no
 * longer holds, or whose text did not go out, no longer counts as asked: ticking it asks again.
 * A tick of SMS with no number on file asks nothing and records nothing (no YES could confirm
 * it); the outcome says `no_number`.
 * The number gets at most one confirmation text per window whatever is saved (a forwarded link
 * must not make us text it again and again); the page says when none was sent for that reason.
 * An SMS consent given or asked for another number than the profile's (consent-number.ts) is no
 * consent for this one: the page shows it unticked, a save that leaves it so writes nothing, and
 * a tick asks the number on the profile now (pending, a text, YES) — from a link that came by SMS
 * too, since that link went to a number we texted, which need not be this one. A link that came by
 * SMS grants a ticked SMS topic at once only when the text carrying it provably went to the
 * profile's number (smsLinkReached): the link names that number, or its topic's consent names it
 * and was stated before the link was issued, or, when no consent names a number (a transactional
 * text), the profile was last stated before the link was issued; otherwise the tick asks the
 * number (pending, a text, YES).
 * Every confirmation, email or text, also counts against its destination's budget across all
 * customers (confirmation-budget.ts); one over it is withheld and told as `limit_reached`.
 * None goes to a channel the customer's suppressions block (suppressed-channel.ts): the tick is
 * recorded as pending all the same and the page tells it as sent, so that it does not reveal the
 * suppression (see saveChoices).
 */
import { consentSpeaksForAddress } from '../customer/consent-address';
import { consentSpeaksForNumber } from '../customer/consent-number';
import { CHANNELS, type ConsentState, type ConsentStatus, type CustomerSnapshot, type Preferences, type Profile } from '../customer/model';
import { PREFERENCES_UPDATED_EVENT } from '../ingest/observed-event';
import { loggableError } from '../runtime/loggable-error';
import type { VerifiedToken } from '../unsubscribe/token';
import { DEFAULT_TOPIC_OFFERS, type ConsentApiDependencies, type TopicOffer } from './dependencies';
import { lastConfirmationTextAt } from '../store/sms-confirmation-texts';
import { emailRequestProof, isDigestOf, isOpenEmailRequest, sendEmailConfirmationOrReport, sentToAddressOnFile, type EmailConfirmationOutcome } from './double-opt-in';
import { RequestValidationError, type RequestIssue } from './errors';
import type { PreferenceFormValues } from './pages/preference-page';
import { linkChangeInstant, proofFrom, verifyLinkToken, type RequestOrigin } from './request-origin';
import { spanOf, unofferedTopicProblem, type PreferenceForm } from './requests';
import { isOpenSmsRequest, sendSmsConfirmationOrReport, type SmsConfirmationOutcome } from './sms-double-opt-in';
import { confirmUnlessSuppressed } from './suppressed-channel';

/** Proof source of changes saved in the preference centre. */
export const PREFERENCE_CENTRE_SOURCE = 'preference-centre';
/** Proof source of the one-step withdrawal of everything. */
export const WITHDRAW_ALL_SOURCE = 'preference-centre-withdraw-all';

/** What the page shows for one customer. */
export interface PreferenceCentreView {
  readonly claims: VerifiedToken;
  readonly timezone: string;
  /** The offered topics, then any other topic the customer has a consent for. */
  readonly topics: readonly TopicOffer[];
  readonly values: PreferenceFormValues;
  readonly pending: ReadonlySet<string>;
}

const key = (consent: Pick<ConsentState, 'channel' | 'topic'>): string => `${consent.channel}:${consent.topic}`;

function offeredTopics(deps: Pick<ConsentApiDependencies, 'topics'>, snapshot: CustomerSnapshot | undefined): TopicOffer[] {
  const offers = [...(deps.topics ?? DEFAULT_TOPIC_OFFERS)];
  for (const consent of snapshot?.consents ?? []) {
    if (consent.topic !== 'transactional' && !offers.some((offer) => offer.topic === consent.topic)) {
      offers.push({ topic: consent.topic, label: consent.topic });
    }
  }
  return offers;
}

/**
 * Whether the page shows `consent` as given (ticked): granted or asked for, and, for SMS, for the
 * number on the profile (`phone`) or for none named; for email, a grant for the address on the
 * profile (`email`) or for none named (consent-address.ts).
 */
function shownAsGiven(consent: ConsentState | undefined, phone: string | undefined, email: string | undefined): consent is ConsentState {
  return (consent?.status === 'granted' || consent?.status === 'pending') && consentSpeaksForNumber(consent, phone) && consentSpeaksForAddress(consent, email);
}

/** The form values of the stored state. Without a stored order, every channel in the default order. */
export function formValuesOf(snapshot: CustomerSnapshot | undefined): PreferenceFormValues {
  const preferences: Preferences = snapshot?.preferences ?? {};
  const order = preferences.channels ?? [...CHANNELS];
  const phone = snapshot?.profile.phone;
  return {
    channel1: order[0] ?? '',
    channel2: order[1] ?? '',
    channel3: order[2] ?? '',
    consent: new Set((snapshot?.consents ?? []).filter((consent) => shownAsGiven(consent, phone, snapshot?.profile.email)).map(key)),
    windowStart: preferences.preferredWindow?.start ?? '',
    windowEnd: preferences.preferredWindow?.end ?? '',
    quietStart: preferences.quietHours?.start ?? '',
    quietEnd: preferences.quietHours?.end ?? '',
    maxPerWeek: preferences.maxPerWeek === undefined ? '' : String(preferences.maxPerWeek),
  };
}

/** The form values as submitted (for showing a form with problems as the customer left it). */
export function formValuesFromBody(body: unknown): PreferenceFormValues {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const text = (name: string): string => {
    const value = fields[name];
    return typeof value === 'string' ? value.slice(0, 100) : '';
  };
  const consent = fields.consent;
  const ticked = Array.isArray(consent) ? consent : [consent];
  return {
    channel1: text('channel1'),
    channel2: text('channel2'),
    channel3: text('channel3'),
    consent: new Set(ticked.filter((value): value is string => typeof value === 'string')),
    windowStart: text('windowStart'),
    windowEnd: text('windowEnd'),
    quietStart: text('quietStart'),
    quietEnd: text('quietEnd'),
    maxPerWeek: text('maxPerWeek'),
  };
}

/**
 * Reads what the page shows. An unknown customer sees an empty centre (and saving it changes
 * nothing), so the page does not tell whether a customer exists.
 * @throws a TokenError for a tampered, expired or wrong-purpose token.
 */
export async function openPreferenceCentre(deps: ConsentApiDependencies, token: string): Promise<PreferenceCentreView> {
  const claims = verifyLinkToken(deps, token, 'preferences');
  const snapshot = await deps.store.getSnapshot(claims.customerId);
  return {
    claims,
    timezone: snapshot?.profile.timezone ?? 'UTC',
    topics: offeredTopics(deps, snapshot),
    values: formValuesOf(snapshot),
    pending: new Set(
      (snapshot?.consents ?? [])
        .filter((consent) => consent.status === 'pending' && shownAsGiven(consent, snapshot?.profile.phone, snapshot?.profile.email))
        .map(key),
    ),
  };
}

/** What a save did, as the page tells it. */
export type PreferenceChangeOutcome =
  | { readonly kind: 'withdrawn' }
  | {
      readonly kind: 'saved';
      /** `kept_newer`: preferences stated after this save were on file already, and stay (nothing of the form's preferences was written). */
      readonly preferences: 'written' | 'kept_newer';
      /** The confirmation email, when the save asked for one. */
      readonly email?: EmailConfirmationOutcome;
      /**
       * The confirmation text, when the save asked for SMS consent (sms-double-opt-in.ts);
       * `no_number` when it ticked SMS for a customer with no number on file, so nothing was asked.
       */
      readonly sms?: SmsConfirmationOutcome | 'no_number';
    };

/**
 * Applies a submitted, validated form: `save` replaces the preferences and records each consent
 * that changed; `withdraw-all` revokes every consent that is not revoked yet. A confirmation that
 * does not go out is reported and told in the outcome, not thrown: the changes are saved by then.
 * @throws a TokenError for a tampered, expired or wrong-purpose token; nothing is written then.
 * @throws RequestValidationError when a ticked box names a topic not offered; nothing is written then.
 */
export async function applyPreferenceForm(
  deps: ConsentApiDependencies,
  token: string,
  form: PreferenceForm,
  origin: RequestOrigin,
): Promise<PreferenceChangeOutcome> {
  const claims = verifyLinkToken(deps, token, 'preferences');
  const snapshot = await deps.store.getSnapshot(claims.customerId);
  if (form.action === 'withdraw-all') {
    if (snapshot !== undefined) await withdrawEverything(deps, snapshot, origin);
    return { kind: 'withdrawn' };
  }
  refuseUnofferedTicks(form, offeredTopics(deps, snapshot));
  // An unknown customer's save changes nothing, and is answered as saved, as for a known customer
  // with no number on file: the page never tells whether a customer exists.
  if (snapshot === undefined) return { kind: 'saved', preferences: 'written', ...(ticksSms(form) ? { sms: 'no_number' } : {}) };
  return saveChoices(deps, claims, snapshot, form, origin);
}

/** Whether the form ticks text messages for any topic. */
function ticksSms(form: PreferenceForm): boolean {
  return form.consent.some((tick) => tick.startsWith('sms:'));
}

/**
 * The page offers a box only for the offered topics (and those the customer holds a consent for),
 * so a tick of any other topic is a crafted request: it is refused rather than dropped, as
 * `POST /consents` refuses it.
 * @throws RequestValidationError naming the first such `consent[i]`; nothing is written then.
 */
function refuseUnofferedTicks(form: PreferenceForm, offers: readonly TopicOffer[]): void {
  const issues: RequestIssue[] = [];
  form.consent.forEach((tick, index) => {
    const problem = unofferedTopicProblem(tick.slice(tick.indexOf(':') + 1), offers);
    if (problem !== undefined) issues.push({ field: `consent[${index}]`, message: problem });
  });
  if (issues.length > 0) throw new RequestValidationError(issues);
}

/**
 * Revokes every consent not revoked yet, and every offered topic on every channel that has no
 * consent at all: a grant stated before this withdrawal but recorded after it (an event arriving
 * late) then finds a newer revocation and stays in the ledger only.
 */
async function withdrawEverything(deps: ConsentApiDependencies, snapshot: CustomerSnapshot, origin: RequestOrigin): Promise<void> {
  const now = deps.now();
  const proof = proofFrom(origin, WITHDRAW_ALL_SOURCE);
  const offered = offeredTopics(deps, snapshot).flatMap(({ topic }) =>
    CHANNELS.map((channel) => ({ channel, topic, status: undefined, at: undefined })),
  );
  const pairs = new Map(
    [...offered, ...snapshot.consents].map(({ channel, topic, status, at }) => [`${channel}#${topic}`, { channel, topic, status, at }]),
  );
  for (const { channel, topic, status, at } of pairs.values()) {
    if (status === 'revoked') continue;
    await deps.store.recordConsent(snapshot.profile.customerId, { channel, topic, status: 'revoked', at: linkChangeInstant(now, 'revoked', at), proof });
  }
}

/**
 * Whether the customer's consent for `channel` and a topic counts as asked for already, so that a
 * tick of it changes nothing: granted (SMS: for the number on the profile now, or for none named),
 * or pending and still confirmable. An email request counts only while its confirmation went to
 * the address on the profile now (isOpenEmailRequest); an SMS request only while a YES could
 * confirm it (made for the number on the profile now, within the window) and its text went out
 * (`textOnRecord`). Otherwise the tick asks again: the email goes out within the address's budget,
 * the text unless one went to that number within the window.
 */
async function alreadyAsked(
  deps: Pick<ConsentApiDependencies, 'links'>,
  current: ConsentState | undefined,
  profile: Pick<Profile, 'email' | 'phone'>,
  now: Date,
  textOnRecord: () => Promise<boolean>,
): Promise<boolean> {
  if (current?.status === 'granted') return consentSpeaksForNumber(current, profile.phone) && consentSpeaksForAddress(current, profile.email);
  if (current?.status !== 'pending') return false;
  if (current.channel === 'email') return isOpenEmailRequest(deps.links, current, profile.email, now);
  if (current.channel !== 'sms') return true;
  return isOpenSmsRequest(current, profile.phone, now) && (await textOnRecord());
}

/**
 * Whether a preference link that came by SMS proves control of `phone`, the number on the profile,
 * for a tick of SMS whose consent is `current`: only when the text carrying it provably went to
 * this number, since a grant here is given at once, with no YES, and a number's next holder (a
 * recycled or mistyped number) never agreed to anything.
 * - A ticked consent given for another number asks again whichever link it came from.
 * - A link that names the number it was texted to (a destination digest, as an email's names its
 *   address) proves it exactly: this number or not.
 * - Otherwise the text went out under the consent for the link's topic, so to that consent's
 *   number: this one only when the consent names it and was stated no later than the link was
 *   issued (a consent stated since, for this number or another, says nothing of where the
 *   earlier text went).
 * - A link whose topic's consent names no number, or that has none at all (a transactional text),
 *   went to the number the profile held when it was issued: this one only if the profile was last
 *   stated no later than that (`updatedAt`; a journey setting the stage does not move it). A
 *   profile stated since may hold a number the text never reached, so the tick asks it (pending,
 *   a text, YES), as for any unconfirmed number; so does a profile without a number.
 */
function smsLinkReached(
  deps: Pick<ConsentApiDependencies, 'links'>,
  snapshot: CustomerSnapshot,
  claims: VerifiedToken,
  current: ConsentState | undefined,
  phone: string | undefined,
): boolean {
  if (phone === undefined) return false;
  if (current !== undefined && !consentSpeaksForNumber(current, phone)) return false;
  if (claims.destination !== undefined) return isDigestOf(deps.links, claims.destination, phone);
  const issuedMs = claims.issuedAt.getTime();
  const carrier = snapshot.consents.find((consent) => consent.channel === 'sms' && consent.topic === claims.topic);
  if (carrier?.phone !== undefined) return carrier.phone === phone && Date.parse(carrier.at) <= issuedMs;
  return Date.parse(snapshot.profile.updatedAt) <= issuedMs;
}

/**
 * Records the save as the customer event `preferences_updated` (`deps.recordEvent`), last and at
 * best effort: the choices, consents and confirmations are written by then, and a failure here
 * (Step Functions throttled, say) must neither answer the save with an error nor stop a withdrawal.
 * A journey waiting for the event then times out as it would have (a reminder at worst), and the
 * failure is reported as ids and codes (`deps.eventNotRecorded`).
 */
async function recordSaveEvent(deps: ConsentApiDependencies, customerId: string, now: Date): Promise<void> {
  try {
    await deps.recordEvent?.({ customerId, name: PREFERENCES_UPDATED_EVENT, occurredAt: now.toISOString(), touchpoint: 'web' });
  } catch (error) {
    if (deps.eventNotRecorded !== undefined) deps.eventNotRecorded({ customerId, event: PREFERENCES_UPDATED_EVENT, error });
    else console.warn(`${PREFERENCES_UPDATED_EVENT} not recorded`, { customerId, error: loggableError(error) });
  }
}

async function saveChoices(
  deps: ConsentApiDependencies,
  claims: VerifiedToken,
  snapshot: CustomerSnapshot,
  form: PreferenceForm,
  origin: RequestOrigin,
): Promise<PreferenceChangeOutcome> {
  const { customerId, email, phone } = snapshot.profile;
  const channels = [form.channel1, form.channel2, form.channel3].filter((channel) => channel !== '');
  const preferredWindow = spanOf(form.windowStart, form.windowEnd);
  const quietHours = spanOf(form.quietStart, form.quietEnd);
  const preferences = {
    ...(channels.length === 0 ? {} : { channels }),
    ...(preferredWindow === undefined ? {} : { preferredWindow }),
    ...(quietHours === undefined ? {} : { quietHours }),
    ...(form.maxPerWeek === undefined ? {} : { maxPerWeek: form.maxPerWeek }),
  };
  // Stated now: an event carrying preferences stated earlier, arriving later, leaves these.
  const now = deps.now();
  const written = await deps.store.putPreferences(customerId, preferences, { at: now.toISOString() });

  const proof = proofFrom(origin, PREFERENCE_CENTRE_SOURCE);
  // An SMS request is for the number on the profile: only a YES from it confirms it. An email
  // request names the address its confirmation goes to, so a later tick can tell it was for another;
  // an email grant names the address the link proved (consent-address.ts).
  const proofFor = (channel: string, status: ConsentStatus) => {
    if (channel === 'sms' && phone !== undefined) return { ...proof, phone };
    if (channel === 'email' && status === 'granted' && email !== undefined) return { ...proof, email };
    return channel === 'email' && status === 'pending' ? emailRequestProof(deps.links, proof, email) : proof;
  };
  // Read at most once per save, however many SMS topics are ticked: nothing here writes it.
  let lastTextAt: Promise<string | undefined> | undefined;
  const textOnRecord = async () =>
    phone !== undefined && (await (lastTextAt ??= lastConfirmationTextAt(deps.phoneIndex, customerId, phone))) !== undefined;
  const ticked = new Set(form.consent);
  const toConfirm: Record<'email' | 'sms', string[]> = { email: [], sms: [] };
  let smsWithoutNumber = false;
  for (const offer of offeredTopics(deps, snapshot)) {
    for (const channel of CHANNELS) {
      const current = snapshot.consents.find((consent) => consent.channel === channel && consent.topic === offer.topic);
      const wanted = ticked.has(`${channel}:${offer.topic}`);
      if (wanted && !(await alreadyAsked(deps, current, snapshot.profile, now, textOnRecord))) {
        // With no number on file no text can ask, and no YES can confirm: a request recorded now
        // would wait for nothing (and show the box as waiting), so none is; the page says why.
        if (channel === 'sms' && phone === undefined) {
          smsWithoutNumber = true;
          continue;
        }
        // Holding the link proves control of the channel it came by, and of no other; for SMS, of
        // the number the text carrying it went to, and for email of the mailbox the email went to,
        // either of which need not be the profile's now.
        const provenByLink =
          claims.channel === channel &&
          (channel === 'sms' ? smsLinkReached(deps, snapshot, claims, current, phone) : channel !== 'email' || sentToAddressOnFile(deps.links, claims, snapshot));
        const needsConfirmation = (channel === 'email' || channel === 'sms') && !provenByLink;
        const status = needsConfirmation ? 'pending' : 'granted';
        await deps.store.recordConsent(customerId, { channel, topic: offer.topic, status, at: linkChangeInstant(now, status, current?.at), proof: proofFor(channel, status) });
        if (needsConfirmation) toConfirm[channel].push(offer.topic);
      } else if (!wanted && shownAsGiven(current, phone, email)) {
        await deps.store.recordConsent(customerId, { channel, topic: offer.topic, status: 'revoked', at: linkChangeInstant(now, 'revoked', current.at), proof: proofFor(channel, 'revoked') });
      }
    }
  }
  const preferencesOutcome = written === 'written' ? 'written' : 'kept_newer';
  // A suppressed channel (hard bounce, complaint, a number that cannot take texts) gets no
  // confirmation, and the page says what it says when one went out: the link may have been
  // forwarded, and the suppression is not its holder's to learn. The request stays pending, as in
  // capture-consent.ts, and grants nothing.
  const emailOutcome =
    toConfirm.email.length > 0 && email !== undefined
      ? await confirmUnlessSuppressed(deps.store, snapshot, { channel: 'email', to: email }, now, () =>
          sendEmailConfirmationOrReport(deps, { customerId, to: email, topics: toConfirm.email }),
        )
      : undefined;
  const smsOutcome = smsWithoutNumber
    ? ('no_number' as const)
    : toConfirm.sms.length > 0 && phone !== undefined
      ? await confirmUnlessSuppressed(deps.store, snapshot, { channel: 'sms', to: phone }, now, () =>
          sendSmsConfirmationOrReport(deps, { customerId, to: phone, topics: toConfirm.sms }),
        )
      : undefined;
  // Saved now, or kept as newer: either way the customer answered the ask, which a journey may wait for.
  await recordSaveEvent(deps, customerId, now);
  return {
    kind: 'saved',
    preferences: preferencesOutcome,
    ...(emailOutcome === undefined ? {} : { email: emailOutcome }),
    ...(smsOutcome === undefined ? {} : { sms: smsOutcome }),
  };
}
