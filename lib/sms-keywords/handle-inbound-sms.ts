/**
 * What an inbound text does to consent. A number can be on several customers' profiles (a
 * household's shared phone, one person known under two ids, a number someone else typed into the
 * capture form); the text is the wish of whoever holds the phone, and it speaks for the number:
 * - STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT (OPT-OUT), ARRET, REMOVE, TD,
 *   alone or in a short sentence that asks us to stop ("Stop please", "opt me out", "remove me
 *   from your list"; the rule is in keywords.ts), revoke SMS consent, for every topic each
 *   customer has on SMS (and `marketing` even if none is recorded: the wish is on file),
 *   for EVERY customer whose profile holds the number now: texts to that number stop, whichever
 *   customer they would have been for. Each revocation is stated no earlier than just after the
 *   state it overrides, so a STOP wins over a YES stamped after it but processed first, though not
 *   over a START or UNSTOP the same number texted after it (revocationInstant). The opt-out is
 *   confirmed with one transactional text (`optedOutText`, as CTIA expects) unless End User
 *   Messaging answered it itself (providerAnsweredOptOut: the body is exactly one of its required
 *   opt-out keywords, or the payload's `messageKeyword` names an opt-out keyword it matched), so
 *   a sentence it matched nothing in is confirmed once, and a bare STOP is not confirmed twice.
 *   It is confirmed to a number no customer holds too (tagged UNKNOWN_SENDER_ID), as the provider
 *   confirms a STOP from any number. The provider puts the number on its opt-out list only for
 *   what it answered; a sentence opt-out is enforced by the revoked consent alone, which stops
 *   marketing texts. The local stack's texts carry no `messageKeyword`, and its SMS outbox answers
 *   no keyword: there, a sentence is confirmed and a bare keyword is not, and only a bare required
 *   keyword puts the number on the outbox's opt-out list;
 * - START, UNSTOP grant SMS consent again for the opt-in topics (`marketing` by default) only when
 *   the number is unambiguous, held by exactly one customer's profile now. When several profiles
 *   hold it, one text cannot say which of those customers it speaks for, and a grant given to the
 *   wrong one is a breach, while one withheld is not: nothing is granted (`shared_number`), and
 *   each customer can opt in again through the preference centre. Only holders ever granted texts
 *   for the number count then, so that a stranger's capture naming it cannot block its owner's
 *   START (start-holders.ts). Nothing is granted either while the number
 *   is still indexed in the earlier one-item-per-number layout (lib/store/phone-index.ts), which
 *   named only the customer stored last and may miss the others;
 * - YES, Y confirm an SMS double opt-in: every holder's SMS consents still `pending`, requested
 *   for this number before the YES and within SMS_CONFIRMATION_WINDOW_MS, whose confirmation text
 *   went out, become `granted`, and one confirmation
 *   text answers (see confirm-sms-opt-in.ts). With nothing to confirm (no request, an expired
 *   one, a STOP since), it is answered as HELP is: whoever says YES to us wants to know what they
 *   are answering, and the HELP text says who we are and how to opt in or out. It never grants
 *   anything else, and does not take the number off the provider's opt-out list (only START does);
 * - HELP answers with instructions (one transactional text to the sender, however many customers
 *   hold the number), where no provider answers it (providerAnswersHelp): on AWS, HELP is a
 *   mandatory keyword of every End User Messaging number ("Keywords HELP and STOP can't be deleted
 *   or modified"), which the service answers with its own HELP message and reports as the inbound
 *   payload's `messageKeyword`, so a second answer from here would text the sender twice. The
 *   handler answers HELP when a local provider stands in (`providerOptOuts` given: the SMS outbox
 *   answers no keyword), or when the payload does not say the provider matched HELP (an answer
 *   too many costs less than none);
 * - anything else is ignored.
 * "Holds the number now" is checked against each profile, not only the phone index, which can
 * still list a customer who moved to another number (see number-holders.ts).
 *
 * Each change is a ledger entry whose proof is the keyword (`source: sms-keyword:STOP`), the
 * inbound message id and the number, dated when SNS received the text. SNS delivers at least once; a redelivery
 * carries the same time and id, so it writes the very same entries, which the store dedupes, and
 * its answer was claimed by the first delivery, so it is not sent again (answer-once.ts). A STOP
 * whose revocation is on the ledger already writes nothing, even after a later START or YES: its
 * redelivery must not undo them (revocationInstant).
 *
 * In AWS, End User Messaging also keeps its own opt-out list per number and, when keywords are
 * configured on it, replies to STOP and HELP itself and refuses every later text to a number that
 * said STOP until it says START; this handler makes the customers' consent ledgers, which the
 * permission gate reads, agree with it. Locally, `providerOptOuts` (the SMS outbox) plays that list.
 */
import { MessageInvalidError, ProviderError, RecipientOptedOutError } from '../channels/errors';
import type { SmsSender } from '../channels/sms';
import { TRANSACTIONAL, type ConsentProof, type ConsentState, type CustomerSnapshot, type Topic } from '../customer/model';
import { overridingInstant } from '../customer/overriding-instant';
import type { CustomerStore } from '../store/customer-store';
import type { PhoneIndexTable } from '../store/phone-index';
import type { ConsentLedgerEntry } from '../store/records';
import { claimAnswer, releaseAnswer, type AnsweredText } from './answer-once';
import type { InboundSms } from './inbound-sms';
import { confirmPendingSmsConsents, type GrantedTopics } from './confirm-sms-opt-in';
import { OPT_IN_KEYWORDS, providerAnsweredOptOut, smsKeywordOf, type SmsKeyword } from './keywords';
import { currentHoldersOf } from './number-holders';
import { SHARED_NUMBER_SENDER_ID, UNKNOWN_SENDER_ID } from './reply-tags';
import { holdersStartCounts } from './start-holders';

/** A provider's own list of numbers that said STOP (End User Messaging's opt-out list; locally the SMS outbox). */
export interface ProviderOptOutList {
  optOut(phone: string): void;
  optIn(phone: string): void;
}

export interface InboundSmsDependencies {
  readonly store: CustomerStore;
  readonly phoneIndex: PhoneIndexTable;
  /** Sends the answers: HELP, a confirmed YES, an opt-out's confirmation. */
  readonly replies: SmsSender;
  /** The HELP answer: who we are, how to stop, how to reach us. Also the answer to a YES that confirms nothing. */
  readonly helpText: string;
  /** The answer to a YES that granted SMS consent. @default DEFAULT_SMS_CONFIRMED_TEXT */
  readonly confirmedText?: string;
  /** The confirmation of an opt-out the provider did not answer itself. @default DEFAULT_SMS_OPTED_OUT_TEXT */
  readonly optedOutText?: string;
  /** Topics START and UNSTOP grant. @default ['marketing'] */
  readonly optInTopics?: readonly Topic[];
  /**
   * The opt-out list to keep as End User Messaging keeps its own on AWS (where this is absent: the
   * service does it): a number goes on it for an opt-out the provider answers
   * (providerAnsweredOptOut), never for a sentence. The local stack passes its SMS outbox.
   */
  readonly providerOptOuts?: ProviderOptOutList;
}

export const DEFAULT_HELP_TEXT = 'Overture alerts. Reply STOP to opt out, START to opt back in. Msg&data rates may apply.';

/** The answer to a YES that granted SMS consent: the program, what it did, rates, STOP and HELP; one segment. */
export const DEFAULT_SMS_CONFIRMED_TEXT =
  'Overture alerts: you are subscribed to our marketing texts. Msg&data rates may apply. Reply STOP to cancel, HELP for help.';

/**
 * The confirmation of an opt-out the provider did not answer: the program, that marketing texts
 * stop, how to opt back in; one GSM-7 segment. "Marketing" because the permission gate still lets
 * transactional texts through (and the provider's opt-out list, which would refuse them, does not
 * hold a number it matched no keyword for).
 */
export const DEFAULT_SMS_OPTED_OUT_TEXT = 'Overture alerts: you are unsubscribed and will get no more marketing texts. Reply START to opt back in.';

export { SHARED_NUMBER_SENDER_ID, UNKNOWN_SENDER_ID };

/** One customer's SMS topics an opt-out revoked. */
export interface RevokedTopics {
  readonly customerId: string;
  readonly topics: readonly Topic[];
}

/** What an inbound text did; ids only (never the number or the text). */
export type InboundSmsOutcome =
  /** `replied` is absent when the provider answered the opt-out itself, so no confirmation was due. */
  | { readonly kind: 'opted_out'; readonly keyword: SmsKeyword; readonly customers: readonly RevokedTopics[]; readonly replied?: boolean }
  | { readonly kind: 'opted_in'; readonly keyword: SmsKeyword; readonly customerId: string; readonly topics: readonly Topic[] }
  | { readonly kind: 'shared_number'; readonly keyword: SmsKeyword; readonly customerIds: readonly string[] }
  | { readonly kind: 'confirmed'; readonly keyword: SmsKeyword; readonly customers: readonly GrantedTopics[]; readonly replied: boolean }
  /** A YES with no pending request to confirm; answered with the HELP text. */
  | { readonly kind: 'nothing_to_confirm'; readonly keyword: SmsKeyword; readonly customerIds: readonly string[]; readonly replied: boolean }
  | { readonly kind: 'help'; readonly keyword: SmsKeyword; readonly customerIds: readonly string[]; readonly replied: boolean }
  /** `replied` as for `opted_out`, on an opt-out; absent on START and UNSTOP. */
  | { readonly kind: 'unknown_number'; readonly keyword: SmsKeyword; readonly replied?: boolean }
  | { readonly kind: 'not_a_keyword' };

/**
 * Applies one inbound text, received at `receivedAt` (the SNS timestamp). Its answer, if any, is
 * sent once however often SNS delivers the text (`replied` is false on a redelivery, when the
 * number cannot be texted or opted out with the provider, and when the provider may or may not
 * have taken it).
 * @throws CustomerStoreError, or a ProviderError the provider certainly did not act on (throttled,
 * unreachable, or refused for a reason an operator can fix); the caller lets SNS retry.
 */
export async function handleInboundSms(deps: InboundSmsDependencies, message: InboundSms, receivedAt: string): Promise<InboundSmsOutcome> {
  const matched = smsKeywordOf(message.messageBody);
  if (matched === undefined) return { kind: 'not_a_keyword' };
  const { keyword, action } = matched;
  const phone = message.originationNumber;
  const { snapshots: holders, maybeIncomplete } = await currentHoldersOf(deps, phone);
  const customerIds = holders.map((holder) => holder.profile.customerId);

  const help = { step: 'help', body: deps.helpText };
  const answered = { phone, inboundMessageId: message.inboundMessageId, receivedAt };
  if (action === 'help') {
    const replied = providerAnswersHelp(deps, message) ? false : await reply(deps, answered, customerIds, help);
    return { kind: 'help', keyword, customerIds, replied };
  }

  const proof = { source: `sms-keyword:${keyword}`, messageId: message.inboundMessageId, phone };
  if (action === 'confirm') {
    const customers = await confirmPendingSmsConsents(deps, holders, { phone, receivedAt, proof });
    if (customers.length === 0) return { kind: 'nothing_to_confirm', keyword, customerIds, replied: await reply(deps, answered, customerIds, help) };
    const confirmed = { step: 'sms-opt-in-confirmed', body: deps.confirmedText ?? DEFAULT_SMS_CONFIRMED_TEXT };
    const replied = await reply(deps, answered, customers.map((customer) => customer.customerId), confirmed);
    return { kind: 'confirmed', keyword, customers, replied };
  }
  if (action === 'opt_out') {
    const customers: RevokedTopics[] = [];
    const providerAnswered = providerAnsweredOptOut(message.messageBody, message.messageKeyword);
    let replied: boolean | undefined;
    try {
      for (const holder of holders) {
        const customerId = holder.profile.customerId;
        const topics = smsTopicsToRevoke(holder);
        const revokedBefore = revokedBeforeByThisText(deps.store, customerId, proof);
        for (const topic of topics) {
          const current = holder.consents.find((state) => state.channel === 'sms' && state.topic === topic);
          const at = await revocationInstant(receivedAt, current, proof, () => revokedBefore(topic));
          if (at !== undefined) await deps.store.recordConsent(customerId, { channel: 'sms', topic, status: 'revoked', at, proof });
        }
        customers.push({ customerId, topics });
      }
      if (!providerAnswered) {
        replied = await reply(deps, answered, customerIds, { step: 'sms-opt-out-confirmed', body: deps.optedOutText ?? DEFAULT_SMS_OPTED_OUT_TEXT });
      }
    } finally {
      // Only where the provider lists the number (the keywords it matches), and whatever the ledger
      // did, as it does. A sentence it matched nothing in is not listed: the revoked consent stops
      // the marketing texts, and the confirmation, refused to a listed number, can go on a retry.
      if (providerAnswered) deps.providerOptOuts?.optOut(phone);
    }
    const answer = replied === undefined ? {} : { replied };
    return holders.length === 0 ? { kind: 'unknown_number', keyword, ...answer } : { kind: 'opted_out', keyword, customers, ...answer };
  }

  deps.providerOptOuts?.optIn(phone);
  // A holder never granted texts for the number (a stranger's capture naming it) does not make it shared.
  const [holder, ...others] = await holdersStartCounts(deps.store, holders, phone);
  if (holder === undefined) return { kind: 'unknown_number', keyword };
  // An index item of the earlier layout names only the customer stored last: the number may be
  // another customer's too, unlisted, and START must not grant the wrong one.
  if (others.length > 0 || maybeIncomplete) return { kind: 'shared_number', keyword, customerIds };
  const topics = [...(deps.optInTopics ?? ['marketing'])];
  for (const topic of topics) {
    await deps.store.recordConsent(holder.profile.customerId, { channel: 'sms', topic, status: 'granted', at: receivedAt, proof });
  }
  return { kind: 'opted_in', keyword, customerId: holder.profile.customerId, topics };
}

/**
 * Whether the provider answered this HELP itself (see the module comment): End User Messaging,
 * which reports the HELP keyword it matched, and not the local stand-in (`providerOptOuts`).
 */
function providerAnswersHelp(deps: InboundSmsDependencies, message: InboundSms): boolean {
  return deps.providerOptOuts === undefined && message.messageKeyword?.trim().toUpperCase() === 'HELP';
}

/**
 * When an opt-out received at `receivedAt` is stated, over the state it read: at `receivedAt`,
 * moved to just after a grant or request stated as late or later (a YES stamped after the STOP but
 * processed before it), so that the STOP wins whatever the order (overridingInstant). Not past an
 * explicit START or UNSTOP from the same number stated later: that is the customer's later word
 * (STOP at 14:30, START at 14:31, handled START first, as SNS does not keep the order of inbound
 * texts), and the provider's list, which took them in order, has them opted in; the STOP is then
 * stated at `receivedAt` and reaches the ledger only. Undefined,
 * nothing to write, when this very text's revocation is already recorded:
 * - the state is a revocation by the same keyword stated after `receivedAt`: this STOP, moved, met
 *   again by an SNS redelivery;
 * - the state is a grant or request stated as late or later, and this text's revocation of the
 *   topic is on the ledger (`revokedBefore`): the customer said START or YES after this STOP was
 *   applied, and SNS delivered the STOP again (at least once, or the retry after a run cut short).
 *   Moving it past that grant would opt the customer out again with an entry stamped at a time they
 *   never texted. The ledger is read only then: a first delivery rarely meets a later state.
 */
async function revocationInstant(
  receivedAt: string,
  current: ConsentState | undefined,
  proof: { readonly source: string; readonly phone: string },
  revokedBefore: () => Promise<boolean>,
): Promise<string | undefined> {
  if (current?.status === 'revoked') return current.source === proof.source && Date.parse(current.at) > Date.parse(receivedAt) ? undefined : receivedAt;
  if (current !== undefined && Date.parse(current.at) >= Date.parse(receivedAt) && (await revokedBefore())) return undefined;
  if (current !== undefined && isLaterOptInFrom(current, proof.phone, receivedAt)) return receivedAt;
  return overridingInstant(Date.parse(receivedAt), 'revoked', current?.at, Number.POSITIVE_INFINITY);
}

/** The consent sources of an opt-in by keyword (START, UNSTOP…), as handleInboundSms records them. */
const OPT_IN_SOURCES: readonly string[] = OPT_IN_KEYWORDS.map((keyword) => `sms-keyword:${keyword}`);

/** Whether `state` is a grant by START or UNSTOP texted from `phone` and stated after `receivedAt`. */
function isLaterOptInFrom(state: ConsentState, phone: string, receivedAt: string): boolean {
  return state.status === 'granted' && OPT_IN_SOURCES.includes(state.source) && state.phone === phone && Date.parse(state.at) > Date.parse(receivedAt);
}

/**
 * Whether the ledger of the customer already holds this text's revocation of an SMS topic (same
 * keyword, same inbound message id), at whatever instant it was stated. The ledger is read once
 * per customer, on the first question.
 */
function revokedBeforeByThisText(store: CustomerStore, customerId: string, proof: ConsentProof): (topic: Topic) => Promise<boolean> {
  let ledger: Promise<ConsentLedgerEntry[]> | undefined;
  return async (topic) => {
    ledger ??= store.consentLedger(customerId);
    return (await ledger).some(
      (entry) =>
        entry.channel === 'sms' &&
        entry.topic === topic &&
        entry.status === 'revoked' &&
        entry.proof.source === proof.source &&
        entry.proof.messageId === proof.messageId,
    );
  };
}

/** `marketing` and every topic the customer has on SMS: a STOP withdraws the channel, not one topic. */
function smsTopicsToRevoke(snapshot: CustomerSnapshot): Topic[] {
  return [...new Set(['marketing', ...snapshot.consents.filter((consent) => consent.channel === 'sms').map((consent) => consent.topic)])];
}

/**
 * Sends one transactional answer to the number, tagged with the customer it concerns, once per
 * inbound text (answer-once.ts); whether this delivery of the text sent it. Nothing is thrown for
 * a text that may have gone out: SNS would deliver the inbound text again, and the answer with it.
 * @throws a ProviderError the provider certainly did not act on (throttled, unreachable, or
 * refused: access denied, a bad configuration set, a validation error), after giving the claim
 * back, so that SNS's redelivery answers.
 */
async function reply(
  deps: InboundSmsDependencies,
  text: AnsweredText & { readonly phone: string },
  customerIds: readonly string[],
  answer: { readonly step: string; readonly body: string },
): Promise<boolean> {
  if (!(await claimAnswer(deps.phoneIndex, text))) return false;
  const [only, ...others] = customerIds;
  const tag = only === undefined ? UNKNOWN_SENDER_ID : others.length > 0 ? SHARED_NUMBER_SENDER_ID : only;
  try {
    await deps.replies.send({ to: text.phone, customerId: tag, journey: 'sms-keywords', step: answer.step, topic: TRANSACTIONAL, body: answer.body });
    return true;
  } catch (error) {
    // Neither will ever change: a number the adapter cannot text (not a valid mobile number), or
    // one the provider refuses (on its opt-out list after a STOP). Retrying cannot help.
    if (error instanceof MessageInvalidError || error instanceof RecipientOptedOutError) return false;
    // Perhaps delivered (a timeout, a 5xx): sending again could text the number twice.
    if (error instanceof ProviderError && error.mayHaveBeenSent) return false;
    // Certainly not sent: throttled or unreachable, or refused for a reason an operator can fix
    // (access to the origination identity, the configuration set, the request). The claim goes
    // back and the error escapes, so that the retry answers, or, once fixed, the text sent again
    // from the dead-letter queue.
    await releaseAnswer(deps.phoneIndex, text);
    throw error;
  }
}
