/**
 * SMS through AWS End User Messaging SMS (`pinpoint-sms-voice-v2` `SendTextMessage`).
 *
 * The destination must be a number in E.164 form. Whether it is a real number of its country was
 * checked where it came in (`ValidPhoneSchema`: an event's profile, the consent API), so the send
 * path leaves libphonenumber-js and its 80 KB of metadata out; one stored before those checks is
 * refused by End User Messaging (a `ProviderRejectedError`) or reported `TEXT_INVALID`, which the
 * feedback function turns into a suppression.
 * Marketing texts are `PROMOTIONAL`, start with the sender's brand and end with an opt-out
 * instruction; transactional ones are `TRANSACTIONAL`, and each kind may have its own time to live
 * (how long End User Messaging keeps trying to hand the text to the carrier). The segment count is computed on the final text and
 * returned for the ledger.
 * `Context` carries the same ids as the email tags, so delivery events lead back to the customer.
 * A number that opted out with End User Messaging (replied STOP, or was put on the opt-out list) is
 * refused synchronously; that refusal surfaces as `RecipientOptedOutError`, not a generic rejection.
 */
import {
  SendTextMessageCommand,
  type PinpointSMSVoiceV2Client,
  type SendTextMessageCommandInput,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import * as z from '../schema/zod-mini';
import { CustomerIdSchema, isMarketing, PhoneSchema, TopicSchema } from '../customer/model';
import { ChannelConfigurationError, classifyProviderError, MessageInvalidError, ProviderUnknownOutcomeError } from './errors';
import { assertSingleAttemptClient, issuePaths, type ChannelSender, type SendReceipt } from './port';
import { countSmsSegments, type SmsSegmentCount } from './sms-segments';

/** SMS settings from configuration. */
export interface SmsSenderConfig {
  /** Phone number, sender id, pool id or their ARN that texts are sent from. */
  readonly originationIdentity: string;
  /** The configuration set that publishes delivery events. */
  readonly configurationSetName: string;
  /**
   * The brand or program that sends the texts, put in front of marketing texts that do not
   * already start with it (`Example: …`): CTIA's sender identification, which 10DLC and
   * toll-free vetting check. @default DEFAULT_SMS_BRAND
   */
  readonly brand?: string;
  /** Appended to marketing texts that do not already contain it. @default "Reply STOP to opt out" */
  readonly optOutInstruction?: string;
  /**
   * Seconds End User Messaging may keep trying to hand a text to the carrier (`TimeToLive`); past
   * them it drops the text (`TEXT_TTL_EXPIRED`). Keeps a text delayed by the network from arriving
   * hours or days late. A whole number in {@link SMS_TIME_TO_LIVE_RANGE}.
   * @default - the service default (72 hours)
   */
  readonly timeToLiveSeconds?: number;
  /**
   * The same for marketing texts. The gate allows those only inside the recipient's allowed hours
   * (quiet hours, preferred window, SMS legal hours) and judges them at hand-off, so the shorter
   * this is, the less a delayed text can land past the hours' close.
   * @default timeToLiveSeconds
   */
  readonly marketingTimeToLiveSeconds?: number;
}

/**
 * How long End User Messaging may keep trying to hand a text to the carrier before it drops it as
 * `TEXT_TTL_EXPIRED` (a transient failure: the number is left alone). The service's default is
 * 72 hours, while the gate judges quiet hours and the SMS legal hours (08:00–21:00) only at
 * hand-off: a marketing text allowed at 20:59 could otherwise reach the phone at 02:00.
 */
export const SMS_TIME_TO_LIVE_SECONDS = {
  /**
   * A marketing text allowed just before the recipient's hours close reaches the carrier at most
   * this long after; one the carrier cannot take sooner is better lost than delivered at night.
   */
  marketing: 15 * 60,
  /** No hours apply to a transactional text, but one hours late is stale. */
  transactional: 4 * 60 * 60,
} as const;

/** The environment variables naming a function's origination identity and configuration set. */
export interface SmsSenderEnvironment {
  readonly SMS_ORIGINATION_IDENTITY: string;
  readonly SMS_CONFIGURATION_SET: string;
}

/**
 * The settings of a sender of transactional texts (a double opt-in confirmation, an answer to a
 * keyword) from `env`: hours late, such a text is stale, so it lives
 * SMS_TIME_TO_LIVE_SECONDS.transactional.
 */
export function transactionalSmsConfig(env: SmsSenderEnvironment): SmsSenderConfig {
  return {
    originationIdentity: env.SMS_ORIGINATION_IDENTITY,
    configurationSetName: env.SMS_CONFIGURATION_SET,
    timeToLiveSeconds: SMS_TIME_TO_LIVE_SECONDS.transactional,
  };
}

/** The `TimeToLive` End User Messaging accepts, in seconds; it refuses a text with any other. */
export const SMS_TIME_TO_LIVE_RANGE = { min: 5, max: 259_200 } as const;

export const DEFAULT_OPT_OUT_INSTRUCTION = 'Reply STOP to opt out';

/** The brand of texts when none is configured: the program the default HELP answer names. */
export const DEFAULT_SMS_BRAND = 'Overture';

/**
 * The longest brand a deployment may set: each marketing text carries it and `: ` in front, and
 * the catalog's texts are kept to one segment with a brand this long (fitsOneSegment).
 */
export const SMS_BRAND_MAX_LENGTH = 9;

/** A brand as texts carry it: letters, digits, spaces and `&'.-!`, all GSM-7, so it costs no UCS-2. */
export const SMS_BRAND_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9 &'.!-]*[A-Za-z0-9.!])?$/;

/** End User Messaging accepts at most 1,600 characters. */
export const MAX_SMS_LENGTH = 1600;

export const SmsMessageSchema = z.object({
  /** E.164, e.g. `+12125550143`. */
  to: PhoneSchema,
  customerId: CustomerIdSchema,
  journey: z.string().check(z.minLength(1), z.maxLength(256)),
  step: z.string().check(z.minLength(1), z.maxLength(256)),
  topic: TopicSchema,
  body: z.string().check(z.trim(), z.minLength(1)),
  /**
   * Seconds left until the customer's allowed hours close (the gate's `openUntil`): the text's
   * time to live is at most this, so a text held up on its way to the carrier is dropped rather
   * than delivered after the hours close. At least the service's minimum is asked for.
   */
  openForSeconds: z.optional(z.number().check(z.int(), z.nonnegative())),
});
/** One text: the recipient, the rendered body (without opt-out instruction) and the ids it is sent under. */
export type SmsMessage = z.input<typeof SmsMessageSchema>;

export type SmsSender = ChannelSender<SmsMessage>;

/**
 * `body` with `<brand>: ` in front, unless it already starts with the brand as a word of its own
 * (followed by a character other than a letter or digit, or ending the body): "Shopping week…"
 * for the brand "Shop" does not name the sender.
 */
export function withSenderBrand(body: string, brand: string): string {
  const named = body.toLowerCase().startsWith(brand.toLowerCase()) && !/^[\p{L}\p{N}]/u.test(body.slice(brand.length));
  return named ? body : `${brand}: ${body}`;
}

/** `body` with the opt-out instruction appended, unless it already says so. */
export function withOptOutInstruction(body: string, instruction: string): string {
  return body.toLowerCase().includes(instruction.toLowerCase()) ? body : `${body}\n${instruction}`;
}

/** A text ready to send: the exact command input and its segment count. */
export interface PreparedSms {
  readonly input: SendTextMessageCommandInput & { DestinationPhoneNumber: string; MessageBody: string };
  readonly segments: SmsSegmentCount;
}

/** The configured time to live, no longer than the seconds the hours stay open, and within the service's range. */
function boundedTimeToLive(configured: number | undefined, openForSeconds: number | undefined): number | undefined {
  if (openForSeconds === undefined) return configured;
  return Math.max(SMS_TIME_TO_LIVE_RANGE.min, Math.min(configured ?? SMS_TIME_TO_LIVE_RANGE.max, openForSeconds));
}

/**
 * Validates `message` and builds the exact `SendTextMessage` input. Shared by the real adapter and
 * the local outbox, so both send the same thing.
 *
 * @throws MessageInvalidError (the message names fields, never the number or text).
 */
export function prepareSms(message: SmsMessage, config: SmsSenderConfig): PreparedSms {
  const parsed = SmsMessageSchema.safeParse(message);
  if (!parsed.success) throw new MessageInvalidError('sms', issuePaths(parsed.error.issues), { cause: parsed.error });
  const valid = parsed.data;
  const marketing = isMarketing(valid.topic);
  const body = marketing
    ? withOptOutInstruction(withSenderBrand(valid.body, config.brand ?? DEFAULT_SMS_BRAND), config.optOutInstruction ?? DEFAULT_OPT_OUT_INSTRUCTION)
    : valid.body;
  const timeToLive = boundedTimeToLive(marketing ? (config.marketingTimeToLiveSeconds ?? config.timeToLiveSeconds) : config.timeToLiveSeconds, valid.openForSeconds);
  if (body.length > MAX_SMS_LENGTH) {
    throw new MessageInvalidError('sms', ['body'], { reason: `longer than ${MAX_SMS_LENGTH} characters` });
  }
  return {
    input: {
      DestinationPhoneNumber: valid.to,
      OriginationIdentity: config.originationIdentity,
      MessageBody: body,
      MessageType: marketing ? 'PROMOTIONAL' : 'TRANSACTIONAL',
      ConfigurationSetName: config.configurationSetName,
      ...(timeToLive === undefined ? {} : { TimeToLive: timeToLive }),
      Context: { customer_id: valid.customerId, journey: valid.journey, step: valid.step, topic: valid.topic },
    },
    segments: countSmsSegments(body),
  };
}

/**
 * Rejects a time to live End User Messaging would refuse: every text would fail as a rejection.
 * @throws ChannelConfigurationError
 */
function assertTimeToLivesInRange(config: SmsSenderConfig): void {
  const { min, max } = SMS_TIME_TO_LIVE_RANGE;
  for (const option of ['timeToLiveSeconds', 'marketingTimeToLiveSeconds'] as const) {
    const seconds = config[option];
    if (seconds !== undefined && !(Number.isInteger(seconds) && seconds >= min && seconds <= max)) {
      throw new ChannelConfigurationError(`${option} must be a whole number of seconds from ${min} to ${max} (got ${seconds})`);
    }
  }
}

/** Sends texts through End User Messaging SMS. The client must be built with `PROVIDER_CLIENT_CONFIG`. */
export class EndUserMessagingSmsSender implements SmsSender {
  private singleAttemptCheck: Promise<void> | undefined;

  /** @throws ChannelConfigurationError when a time to live is outside {@link SMS_TIME_TO_LIVE_RANGE}. */
  constructor(
    private readonly client: PinpointSMSVoiceV2Client,
    private readonly config: SmsSenderConfig,
  ) {
    assertTimeToLivesInRange(config);
  }

  /**
   * @throws MessageInvalidError, ChannelConfigurationError, or a ProviderError subclass:
   *   `RecipientOptedOutError` when the number is on the opt-out list (nothing was sent).
   */
  async send(message: SmsMessage): Promise<SendReceipt> {
    const prepared = prepareSms(message, this.config);
    this.singleAttemptCheck ??= assertSingleAttemptClient(this.client, 'PinpointSMSVoiceV2Client');
    await this.singleAttemptCheck;
    let messageId: string | undefined;
    try {
      ({ MessageId: messageId } = await this.client.send(new SendTextMessageCommand(prepared.input)));
    } catch (error) {
      throw classifyProviderError(error, 'sms');
    }
    if (messageId === undefined || messageId === '') {
      throw new ProviderUnknownOutcomeError({ provider: 'sms', code: 'MissingMessageId' });
    }
    return { providerMessageId: messageId, segments: prepared.segments.segments };
  }
}
