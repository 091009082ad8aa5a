/**
 * What the consent API's plain functions need: the store, the phone index, the email and SMS
 * adapters for double opt-in, link signing, a clock, and the topics the preference centre offers. The Lambda,
 * the local runtime and the tests build the same object with different clients.
 */
import type { EmailSender } from '../channels/email';
import type { MessageInvalidError, ProviderError } from '../channels/errors';
import type { SmsSender } from '../channels/sms';
import type { ConfirmationBudgetExceededError } from './confirmation-budget';
import type { Channel, Topic } from '../customer/model';
import type { ObservedEventRecorder } from '../ingest/observed-event';
import type { CustomerStore } from '../store/customer-store';
import type { PhoneIndexTable } from '../store/phone-index';
import type { LinkKeys } from '../unsubscribe/link-keys';
import {
  DEFAULT_TOKEN_TTL_SECONDS,
  signToken,
  type TokenClaims,
  type TokenPurpose,
  type TokenSecret,
  type VerificationSecret,
} from '../unsubscribe/token';

/** A topic the preference centre shows, with the words customers read. */
export interface TopicOffer {
  readonly topic: Topic;
  readonly label: string;
}

/** Link signing and verification. */
export interface ConsentApiLinks {
  /** Public base URL of the consent API: `https://prefs.example.com` (http only on loopback). */
  readonly baseUrl: string;
  /** The current signing secret (at least 32 bytes). */
  readonly secret: TokenSecret;
  /** Secrets still accepted for every purpose during a rotation; links are always signed with `secret`. */
  readonly previousSecrets?: readonly TokenSecret[];
  /**
   * Secrets of earlier rotations, accepted for unsubscribe tokens only and for ever, so the one-click
   * link of any message ever sent keeps working (see lib/unsubscribe/link-keys.ts).
   */
  readonly retiredSecrets?: readonly TokenSecret[];
  /** Lifetimes per purpose. @default DEFAULT_TOKEN_TTL_SECONDS (confirm: 7 days) */
  readonly ttlSeconds?: Partial<Record<TokenPurpose, number>>;
}

export interface ConsentApiDependencies {
  readonly store: CustomerStore;
  /** The phone → customer index, written when a first contact stores a phone. */
  readonly phoneIndex: PhoneIndexTable;
  /** Sends the double opt-in confirmation email (transactional). */
  readonly email: EmailSender;
  /**
   * Sends the SMS double opt-in confirmation text (transactional; see sms-double-opt-in.ts): End
   * User Messaging in AWS, the local SMS outbox on the local stack.
   */
  readonly sms: SmsSender;
  /**
   * The SMS confirmation text: the program's name, reply YES to confirm, STOP to cancel, HELP for
   * help. @default DEFAULT_SMS_CONFIRMATION_TEXT
   */
  readonly smsConfirmationText?: string;
  readonly links: ConsentApiLinks;
  /** The clock; tests and the simulator pass their own. */
  readonly now: () => Date;
  /**
   * Records `preferences_updated` when the preference centre saves, so a journey waiting for the
   * customer's preferences goes on (lib/ingest/observed-event.ts). @default nothing recorded: the
   * API alone, as its own tests run it
   */
  readonly recordEvent?: ObservedEventRecorder;
  /**
   * Told when `recordEvent` failed; the save it followed stands. Log `loggableError(error)`, never
   * the error. @default one line of ids and codes on console.warn
   */
  readonly eventNotRecorded?: (failure: { readonly customerId: string; readonly event: string; readonly error: unknown }) => void;
  /** Topics the preference centre offers, in display order. @default [{ topic: 'marketing', label: 'Offers and news' }] */
  readonly topics?: readonly TopicOffer[];
  /**
   * Told when the provider refused, throttled or may have lost a double opt-in email or text, or
   * the number cannot be texted at all (MessageInvalidError, SMS only), or the confirmation was
   * withheld because its address or number had its budget of confirmations already
   * (ConfirmationBudgetExceededError, confirmation-budget.ts). The request still answers
   * as if it went: the consent is recorded as pending, which sends nothing. The same capture again
   * re-sends an email confirmation (within the destination's budget); a text is asked again from the preference centre once the
   * request is past its window (SMS_CONFIRMATION_WINDOW_MS). Log `loggableError(error)`
   * (lib/runtime/loggable-error.ts), never the error: a provider's message may quote the address
   * or number. @default one line of ids and codes on console.warn
   */
  readonly confirmationNotSent?: (failure: {
    readonly customerId: string;
    readonly channel: 'email' | 'sms';
    readonly error: ProviderError | MessageInvalidError | ConfirmationBudgetExceededError;
  }) => void;
}

export const DEFAULT_TOPIC_OFFERS: readonly TopicOffer[] = [{ topic: 'marketing', label: 'Offers and news' }];

/** How channels are named to customers. */
export const CHANNEL_LABELS: Readonly<Record<Channel, string>> = {
  email: 'Email',
  sms: 'Text message (SMS)',
  mail: 'Post',
};

/** Signs a token for `claims` with the current secret and the configured lifetime. */
export function signLinkToken(links: ConsentApiLinks, claims: TokenClaims, now: Date): string {
  const ttlSeconds = links.ttlSeconds?.[claims.purpose] ?? DEFAULT_TOKEN_TTL_SECONDS[claims.purpose];
  return signToken(claims, links.secret, { now, ttlSeconds });
}

/** Only unsubscribe tokens are verified with a retired secret. */
const RETIRED_SECRET_PURPOSES: readonly TokenPurpose[] = ['unsubscribe'];

/** Every secret a token may be signed with: the current one first, retired ones scoped to unsubscribe. */
export function acceptedSecrets(links: ConsentApiLinks): readonly VerificationSecret[] {
  return [
    links.secret,
    ...(links.previousSecrets ?? []),
    ...(links.retiredSecrets ?? []).map((secret) => ({ secret, purposes: RETIRED_SECRET_PURPOSES })),
  ];
}

/** The link settings for `baseUrl` and the keys of the link secret. */
export function linksWithKeys(baseUrl: string, keys: LinkKeys): ConsentApiLinks {
  return { baseUrl, secret: keys.current, previousSecrets: keys.previous, retiredSecrets: keys.retired };
}
