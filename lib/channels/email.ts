/**
 * Email through Amazon SES v2 `SendEmail`, simple content with custom headers.
 *
 * SES builds the MIME (multipart/alternative, HTML and text, UTF-8) and signs it with DKIM, which
 * covers the `List-Unsubscribe` headers as RFC 8058 requires. Marketing mail carries
 * `List-Unsubscribe: <https://…>` and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`;
 * transactional mail carries neither.
 *
 * Message tags (`customer_id`, `journey`, `step`, `topic`) travel with SES's delivery, bounce and
 * complaint events, so the feedback function can find the customer and topic without looking up an
 * address. They are ids, never personal data.
 */
import { SendEmailCommand, type SendEmailCommandInput, type SESv2Client } from '@aws-sdk/client-sesv2';
import * as z from '../schema/zod-mini';
import { CustomerIdSchema, isMarketing, NonEmptyTextSchema, TopicSchema } from '../customer/model';
import { isOneClickCapableUrl } from '../unsubscribe/links';
import { classifyProviderError, MessageInvalidError, ProviderUnknownOutcomeError } from './errors';
import { assertSingleAttemptClient, issuePaths, type ChannelSender, type SendReceipt } from './port';

/** Characters RFC 5322 allows in a display name without quotes (atext and spaces). */
const UNQUOTED_PHRASE = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/;

/** Bytes of UTF-8 one RFC 2047 `B` encoded-word holds within 75 characters (60 base64 characters). */
const ENCODED_WORD_BYTES = 45;

/**
 * The From mailbox SES takes as `FromEmailAddress`: the bare address, or `Name <address>` with
 * the name as RFC 5322 needs it. SES takes 7-bit headers only and asks for a display name of
 * other characters as MIME encoded-words (RFC 2047), which no runtime dependency writes:
 * printable ASCII goes as it is or quoted, anything else as `=?UTF-8?B?…?=` words that split
 * between characters.
 */
export function formatMailbox(address: string, displayName?: string): string {
  if (displayName === undefined || displayName === '') return address;
  if (/^[\u0020-\u007E]*$/.test(displayName)) {
    const phrase = UNQUOTED_PHRASE.test(displayName) ? displayName : `"${displayName.replace(/["\\]/g, '\\$&')}"`;
    return `${phrase} <${address}>`;
  }
  const words: string[] = [];
  let chunk = '';
  for (const character of displayName) {
    if (Buffer.byteLength(chunk + character, 'utf8') > ENCODED_WORD_BYTES) {
      words.push(chunk);
      chunk = '';
    }
    chunk += character;
  }
  words.push(chunk);
  return `${words.map((word) => `=?UTF-8?B?${Buffer.from(word, 'utf8').toString('base64')}?=`).join(' ')} <${address}>`;
}

/** Email settings from configuration. */
export interface EmailSenderConfig {
  /** A verified identity, optionally with a display name (formatMailbox): `Overture <news@example.com>`. */
  readonly fromEmailAddress: string;
  /** The SES configuration set that publishes delivery, bounce and complaint events. */
  readonly configurationSetName: string;
  readonly replyToAddresses?: readonly string[];
}

/** A step or journey name; tag values are sanitized, so any non-empty text is accepted. */
const NameSchema = z.string().check(z.minLength(1), z.maxLength(256));

export const EmailMessageSchema = z
  .object({
    to: z.email(),
    customerId: CustomerIdSchema,
    journey: NameSchema,
    step: NameSchema,
    topic: TopicSchema,
    content: z.object({
      subject: z
        .string()
        .check(z.minLength(1), z.maxLength(998), z.refine((subject) => !/[\r\n]/.test(subject), 'must be one line')),
      html: NonEmptyTextSchema,
      text: NonEmptyTextSchema,
    }),
    /** The signed one-click URL (`lib/unsubscribe`); required for marketing topics. */
    unsubscribeUrl: z.optional(z.url().check(z.refine(isOneClickCapableUrl, 'must be https'))),
  })
  .check(
    z.refine((message) => !isMarketing(message.topic) || message.unsubscribeUrl !== undefined, {
      message: 'marketing email needs a one-click unsubscribe URL',
      path: ['unsubscribeUrl'],
    }),
  );
/** One email: the recipient, the rendered content and the ids it is sent under. */
export type EmailMessage = z.input<typeof EmailMessageSchema>;

export type EmailSender = ChannelSender<EmailMessage>;

/** The tag name and value charset SES accepts: ASCII letters, digits, `_` and `-`, at most 256 characters. */
export function sanitizeTagValue(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256);
  return cleaned === '' ? '_' : cleaned;
}

/** The RFC 8058 headers for a one-click unsubscribe URL. */
export function oneClickUnsubscribeHeaders(url: string): Array<{ Name: string; Value: string }> {
  return [
    { Name: 'List-Unsubscribe', Value: `<${url}>` },
    { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
  ];
}

/** The exact `SendEmail` input for `message`. @throws MessageInvalidError */
export function buildSendEmailInput(message: EmailMessage, config: EmailSenderConfig): SendEmailCommandInput {
  const parsed = EmailMessageSchema.safeParse(message);
  if (!parsed.success) throw new MessageInvalidError('email', issuePaths(parsed.error.issues), { cause: parsed.error });
  const valid = parsed.data;
  const headers = isMarketing(valid.topic) && valid.unsubscribeUrl !== undefined ? oneClickUnsubscribeHeaders(valid.unsubscribeUrl) : [];
  return {
    FromEmailAddress: config.fromEmailAddress,
    Destination: { ToAddresses: [valid.to] },
    ...(config.replyToAddresses === undefined || config.replyToAddresses.length === 0
      ? {}
      : { ReplyToAddresses: [...config.replyToAddresses] }),
    Content: {
      Simple: {
        Subject: { Data: valid.content.subject, Charset: 'UTF-8' },
        Body: {
          Html: { Data: valid.content.html, Charset: 'UTF-8' },
          Text: { Data: valid.content.text, Charset: 'UTF-8' },
        },
        ...(headers.length === 0 ? {} : { Headers: headers }),
      },
    },
    ConfigurationSetName: config.configurationSetName,
    EmailTags: [
      { Name: 'customer_id', Value: sanitizeTagValue(valid.customerId) },
      { Name: 'journey', Value: sanitizeTagValue(valid.journey) },
      { Name: 'step', Value: sanitizeTagValue(valid.step) },
      { Name: 'topic', Value: sanitizeTagValue(valid.topic) },
    ],
  };
}

/** Sends email through SES v2. The client must be built with `PROVIDER_CLIENT_CONFIG` (no SDK retries). */
export class SesEmailSender implements EmailSender {
  private singleAttemptCheck: Promise<void> | undefined;

  constructor(
    private readonly client: SESv2Client,
    private readonly config: EmailSenderConfig,
  ) {}

  /** @throws MessageInvalidError, ChannelConfigurationError, or a ProviderError subclass. */
  async send(message: EmailMessage): Promise<SendReceipt> {
    const input = buildSendEmailInput(message, this.config);
    this.singleAttemptCheck ??= assertSingleAttemptClient(this.client, 'SESv2Client');
    await this.singleAttemptCheck;
    let messageId: string | undefined;
    try {
      ({ MessageId: messageId } = await this.client.send(new SendEmailCommand(input)));
    } catch (error) {
      throw classifyProviderError(error, 'ses');
    }
    // Accepted without an id: SES took it, but we cannot prove which message it was.
    if (messageId === undefined || messageId === '') {
      throw new ProviderUnknownOutcomeError({ provider: 'ses', code: 'MissingMessageId' });
    }
    return { providerMessageId: messageId };
  }
}
