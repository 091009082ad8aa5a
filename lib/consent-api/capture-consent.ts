/**
 * Consent capture at the first contact (`POST /consents`): the channels and topics the customer
 * chose, their preferred channel order, time window and time zone, with the proof of where, when
 * and how (source, IP, user agent, consent-text version).
 *
 * The endpoint is public, so it must neither reveal whether a customer exists nor let anyone
 * change an existing customer's choices by knowing an id:
 * - a NEW customer gets a profile (stage `prospect`), preferences, `granted` consents for post,
 *   `pending` consents for email and SMS, all written together or not at all (so a capture cut
 *   short leaves nothing half-written, and the form's retry is a first contact again), then the
 *   phone index entry, a confirmation email, and a confirmation text to the number (reply YES;
 *   sms-double-opt-in.ts);
 * - an EXISTING customer's profile, preferences, SMS and post consents are left alone (they change
 *   through the preference centre, reached by a signed link); only email topics neither granted nor
 *   withdrawn become `pending`, confirmed by a link sent to the address already on file (a
 *   withdrawal is the customer's last word: requestEmailForExisting). No text is sent but
 *   the one an SMS request on file for the number named is owed (a capture cut short after the
 *   customer was written, retried: smsRequestsOwedAText), at most one per number and window:
 *   an anonymous request must not be able to make us text a stored number again and again;
 * - a customer the store holds consents or preferences of but no profile (ingest keeps a CRM's
 *   consent sync that arrives before the sign-up) is an EXISTING customer too, never a new one:
 *   with no address or number on file nothing is asked, so nothing is written or sent
 *   (holdsChoices). The creation itself writes each record only where none is
 *   (CustomerStore.createCustomer), so a sync landing after the read leaves it the same way;
 * - the answer is the same in both cases, and depends only on the request;
 * - every confirmation counts against its address's or number's budget, whoever asked
 *   (confirmation-budget.ts): one over it is withheld, and the answer stays the same;
 * - no confirmation goes to a channel the customer's suppressions block (a hard bounce, a
 *   complaint: suppressed-channel.ts), whoever asked. The request is still recorded as `pending`,
 *   as any other, and the answer stays the same: the public endpoint must not tell anyone that an
 *   address bounced or complained. Recording it keeps the ledger the record of what was asked,
 *   with its proof, and sends nothing: the gate sends marketing only on `granted`, and the
 *   suppression blocks the channel whatever the consent; the request lapses unanswered.
 */
import type { Channel, ConsentStatus, CustomerSnapshot, Profile, Topic } from '../customer/model';
import { indexProfilePhone } from '../store/phone-index';
import { snapshotOfRecords, type CustomerRecords } from '../store/snapshot-assembly';
import type { ConsentApiDependencies } from './dependencies';
import { consentSpeaksForAddress } from '../customer/consent-address';
import { emailRequestProof, isOpenEmailRequest, sendEmailConfirmationOrReport } from './double-opt-in';
import { proofFrom, type RequestOrigin } from './request-origin';
import type { ConsentCaptureRequest } from './requests';
import { isOpenSmsRequest, sendSmsConfirmationOrReport } from './sms-double-opt-in';
import { isChannelSuppressed, stillReachableAsDecided, type DecidedConfirmation } from './suppressed-channel';

/** The answer to a capture, derived from the request alone. */
export interface CaptureAnswer {
  readonly status: 'accepted';
  /** Channels whose consent waits for the customer's confirmation (email: check your inbox; sms: reply YES). */
  readonly pendingConfirmation: readonly Channel[];
}

/** The channels whose consent a capture only asks for: the form proves control of neither the mailbox nor the phone. */
const CONFIRMED_CHANNELS: readonly Channel[] = ['email', 'sms'];

/**
 * Email and SMS need double opt-in; post is granted at capture. A letter cannot be confirmed
 * without sending one, postal marketing needs no prior consent where texts and emails do (TCPA,
 * ePrivacy), and every letter carries the preference-centre link to stop the next.
 */
function statusAtCapture(channel: Channel): ConsentStatus {
  return CONFIRMED_CHANNELS.includes(channel) ? 'pending' : 'granted';
}

/** Records the capture; see the module comment. */
export async function captureConsent(deps: ConsentApiDependencies, request: ConsentCaptureRequest, origin: RequestOrigin): Promise<CaptureAnswer> {
  const now = deps.now();
  const at = now.toISOString();
  const proof = proofFrom(origin, request.proof.source, {
    consentTextVersion: request.proof.consentTextVersion,
    ...(request.proof.formId === undefined ? {} : { formId: request.proof.formId }),
  });
  const records = await deps.store.customerRecords(request.customerId);
  let existing = snapshotOfRecords(records);
  const created = !holdsChoices(records) && (await captureNewCustomer(deps, request, at, proof));
  let confirmTopics: Topic[] = [];
  let textTopics: readonly Topic[] = [];
  if (created) {
    confirmTopics = request.channels.includes('email') ? [...request.topics] : [];
    textTopics = request.channels.includes('sms') ? request.topics : [];
  } else {
    // An existing customer, or one another writer stored after the read (a concurrent capture, a
    // CRM's sync): nothing of theirs is overwritten. One without a profile is asked nothing (holdsChoices).
    if (!holdsChoices(records)) existing = snapshotOfRecords(await deps.store.customerRecords(request.customerId));
    if (existing !== undefined) {
      confirmTopics = await requestEmailForExisting(deps, request, existing, at, proof);
      textTopics = await smsRequestsOwedAText(deps, request, existing, now);
    }
  }
  const to = created ? request.email : existing?.profile.email;
  // A suppressed address (hard bounce, complaint) gets no confirmation; the request stays recorded
  // as pending all the same (see the module comment), and the answer below does not change. Each
  // confirmation's address or number and suppression are read again just before it goes out
  // (stillReachableAsDecided): an event may have changed or suppressed them since the read above.
  const reachable = (decided: DecidedConfirmation) => stillReachableAsDecided(deps.store, request.customerId, decided, now);
  if (confirmTopics.length > 0 && to !== undefined && !(existing !== undefined && isChannelSuppressed(existing, 'email', now)) && (await reachable({ channel: 'email', to }))) {
    await sendEmailConfirmationOrReport(deps, { customerId: request.customerId, to, topics: confirmTopics });
  }
  if (textTopics.length > 0 && request.phone !== undefined && (await reachable({ channel: 'sms', to: request.phone }))) {
    await sendSmsConfirmationOrReport(deps, { customerId: request.customerId, to: request.phone, topics: textTopics });
  }
  return { status: 'accepted', pendingConfirmation: CONFIRMED_CHANNELS.filter((channel) => request.channels.includes(channel)) };
}

/** The customer's snapshot, when `records` hold a profile. */
/**
 * Whether the store holds choices of this customer a first contact must not write over: a
 * profile, preferences or a consent. Without a profile they are what ingest kept of a customer
 * it knows no profile of yet (a CRM's consent sync ahead of the sign-up): that customer is an
 * existing one, whose choices change through the preference centre, never through this anonymous
 * request, and with no address or number on file there is nothing to ask either, so the capture
 * writes and sends nothing (the answer is the same).
 */
function holdsChoices(records: CustomerRecords): boolean {
  return records.profile !== undefined || records.consents.length > 0 || Object.keys(records.preferences).length > 0;
}

/**
 * Writes everything for a new customer, all or nothing (CustomerStore.createCustomer), then
 * indexes the phone; returns whether it did, false (and writes nothing) when the profile exists
 * after all. A capture cut short before the customer is written leaves nothing, and its retry is
 * a first contact again; one cut short after it (the phone index, a confirmation) is completed by
 * its retry on the existing customer's path (smsRequestsOwedAText; the email is asked again there
 * anyway).
 */
async function captureNewCustomer(
  deps: ConsentApiDependencies,
  request: ConsentCaptureRequest,
  at: string,
  proof: ReturnType<typeof proofFrom>,
): Promise<boolean> {
  const profile: Profile = {
    customerId: request.customerId,
    stage: 'prospect',
    timezone: request.timezone,
    ...(request.email === undefined ? {} : { email: request.email }),
    ...(request.phone === undefined ? {} : { phone: request.phone }),
    ...(request.address === undefined ? {} : { address: request.address }),
    updatedAt: at,
  };
  const preferences = {
    channels: [...request.channels],
    ...(request.preferredWindow === undefined ? {} : { preferredWindow: request.preferredWindow }),
    ...(request.quietHours === undefined ? {} : { quietHours: request.quietHours }),
    ...(request.maxPerWeek === undefined ? {} : { maxPerWeek: request.maxPerWeek }),
  };
  const consents = request.channels.flatMap((channel) => {
    // An SMS request is for the number named: only a YES from it confirms it. An email request
    // names (as a keyed digest) the address its confirmation goes to: see isOpenEmailRequest.
    const channelProof =
      channel === 'sms' && request.phone !== undefined
        ? { ...proof, phone: request.phone }
        : channel === 'email'
          ? emailRequestProof(deps.links, proof, request.email)
          : proof;
    return request.topics.map((topic) => ({ channel, topic, status: statusAtCapture(channel), at, proof: channelProof }));
  });
  if (!(await deps.store.createCustomer({ profile, preferences, consents }))) return false;
  await indexProfilePhone(deps.phoneIndex, profile);
  return true;
}

/**
 * For an existing customer, the SMS topics of this request that are already on file as a request
 * for this number still awaiting its YES (isOpenSmsRequest), when the request names the number on
 * the profile; none for a suppressed number. Their text may never have gone out: the capture that
 * wrote them was cut short after writing the customer (the phone index, the budget or the provider
 * failing), and the form retried it. sendSmsConfirmationOrReport then sends it, or nothing when a
 * text went to the number for the customer within the window (sent_recently), so an anonymous
 * request still cannot make us text a stored number again and again, and it records no SMS
 * consent: it only delivers the text a request on file is owed. A topic withdrawn since (STOP,
 * the preference centre, one-click unsubscribe) is `revoked`, no request on file, so it gets no
 * text and stays withdrawn, as an email topic does (requestEmailForExisting). The phone is
 * indexed again first, so that the YES finds the customer.
 */
async function smsRequestsOwedAText(
  deps: ConsentApiDependencies,
  request: ConsentCaptureRequest,
  existing: CustomerSnapshot,
  now: Date,
): Promise<readonly Topic[]> {
  const phone = existing.profile.phone;
  if (!request.channels.includes('sms') || phone === undefined || request.phone !== phone) return [];
  if (isChannelSuppressed(existing, 'sms', now)) return [];
  const owed = request.topics.filter((topic) =>
    isOpenSmsRequest(existing.consents.find((consent) => consent.channel === 'sms' && consent.topic === topic), phone, now),
  );
  if (owed.length > 0) await indexProfilePhone(deps.phoneIndex, existing.profile);
  return owed;
}

/**
 * For an existing customer, only asks for email consent (never grants anything): topics already
 * granted stay as they are, and so do topics the customer withdrew (`revoked`: one-click
 * unsubscribe, the preference centre, a complaint), with no confirmation sent for them; the others
 * become `pending`, asked anew (naming the address on file) unless already pending for it.
 * Returns the topics to confirm.
 *
 * A withdrawal is the customer's own last word, and this request is anonymous: anyone knowing the
 * id can make it. Turning `revoked` back into `pending` would override that word with a
 * stranger's, and mail the customer "Please confirm your subscription", every day up to the
 * address's budget, after they said stop. A customer who wants back in ticks the topic in the
 * preference centre, from a signed link. Nothing is written for such a topic, not even a ledger
 * entry: the state is the latest event of the ledger, so a later `pending` entry beside a
 * `revoked` state would say the customer asked again when the state says they did not (and a
 * rebuild from the ledger would revive it); the proof it would carry is only the caller's IP and
 * user agent, no act of the customer's; and a public endpoint must not let anyone grow a
 * customer's ledger at will.
 */
async function requestEmailForExisting(
  deps: ConsentApiDependencies,
  request: ConsentCaptureRequest,
  existing: CustomerSnapshot,
  at: string,
  proof: ReturnType<typeof proofFrom>,
): Promise<Topic[]> {
  if (!request.channels.includes('email')) return [];
  const toConfirm: Topic[] = [];
  for (const topic of request.topics) {
    const state = existing.consents.find((consent) => consent.channel === 'email' && consent.topic === topic);
    // A grant for another address (consent-address.ts) is no consent for this one: it is asked.
    if ((state?.status === 'granted' && consentSpeaksForAddress(state, existing.profile.email)) || state?.status === 'revoked') continue;
    if (!isOpenEmailRequest(deps.links, state, existing.profile.email, new Date(at))) {
      await deps.store.recordConsent(request.customerId, { channel: 'email', topic, status: 'pending', at, proof: emailRequestProof(deps.links, proof, existing.profile.email) });
    }
    toConfirm.push(topic);
  }
  return toConfirm;
}
