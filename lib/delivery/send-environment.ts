/**
 * The send function's settings, the clients it talks through, and the ports built from them.
 * The same builder serves the Lambda (AWS endpoints) and the local stack (emulator endpoints).
 */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NonEmptyTextSchema } from '../customer/model';
import * as z from '../schema/zod-mini';
import { DeliveryStore } from '../store/delivery-store';
import { SendSlots } from '../store/send-slots';
import { SesEmailSender, type EmailSenderConfig } from '../channels/email';
import { DEFAULT_SMS_BRAND, EndUserMessagingSmsSender, SMS_TIME_TO_LIVE_SECONDS, transactionalSmsConfig, type SmsSenderConfig } from '../channels/sms';
import { SqsDirectMailSender } from '../channels/mail';
import { PROVIDER_CLIENT_CONFIG } from '../channels/port';
import { readTemplateCatalog } from '../templates/catalog';
import type { DeliveryPorts } from './deliver-message';
import type { ChannelSenders } from './compose-message';

/**
 * Messages a second on one channel (lib/store/send-slots.ts): a decimal number more than 0 (the
 * stack's configuration also keeps it to at most 1,000, as slots are kept to the millisecond).
 */
export const SendRateSchema = z.string().check(z.regex(/^(?!0*\.?0*$)\d*\.?\d+$/));

/** Environment variables of the send function. */
export const SendEnvironmentSchema = z.object({
  CUSTOMER_TABLE_NAME: NonEmptyTextSchema,
  FROM_EMAIL_ADDRESS: z.string().check(z.minLength(3)),
  /** Where replies to the emails go (`overture:replyTo`); absent: to the From address. */
  REPLY_TO_ADDRESS: z.optional(z.email()),
  /** The sender's postal address, which marketing emails print (`{{ senderPostalAddress }}`). */
  SENDER_POSTAL_ADDRESS: NonEmptyTextSchema,
  SES_CONFIGURATION_SET: NonEmptyTextSchema,
  SMS_ORIGINATION_IDENTITY: NonEmptyTextSchema,
  SMS_CONFIGURATION_SET: NonEmptyTextSchema,
  /** The brand marketing texts start with (`overture:smsBrand`). */
  SMS_BRAND: z._default(NonEmptyTextSchema, DEFAULT_SMS_BRAND),
  DIRECT_MAIL_QUEUE_URL: z.url(),
  PUBLIC_BASE_URL: z.url(),
  /** Secrets Manager secret (name or ARN) holding the link-signing key. */
  LINK_SECRET_ID: NonEmptyTextSchema,
  /** Folder of message templates; in the Lambda bundle, `templates` beside the handler. */
  TEMPLATES_DIR: z._default(NonEmptyTextSchema, 'templates'),
  /** Emails a second the account may send (SES's maximum send rate); absent: not limited. */
  SEND_RATE_EMAIL: z.optional(SendRateSchema),
  /** Texts a second the origination identity may send; absent: not limited. */
  SEND_RATE_SMS: z.optional(SendRateSchema),
});
export type SendEnvironment = z.infer<typeof SendEnvironmentSchema>;

/** The SDK clients the send path uses; an endpoint override points them at emulators. */
export interface SendClients {
  readonly dynamodb: DynamoDBClient;
  readonly ses: SESv2Client;
  readonly sms: PinpointSMSVoiceV2Client;
  readonly sqs: SQSClient;
}

/** Clients for the Lambda: region from the runtime, no SDK retries on providers (see PROVIDER_CLIENT_CONFIG). */
export function awsSendClients(): SendClients {
  return {
    dynamodb: new DynamoDBClient({}),
    ses: new SESv2Client({ ...PROVIDER_CLIENT_CONFIG }),
    sms: new PinpointSMSVoiceV2Client({ ...PROVIDER_CLIENT_CONFIG }),
    sqs: new SQSClient({ ...PROVIDER_CLIENT_CONFIG }),
  };
}

/** The SMS adapter's settings for the send function's texts. */
export function smsSenderConfig(env: SendEnvironment): SmsSenderConfig {
  return { ...transactionalSmsConfig(env), brand: env.SMS_BRAND, marketingTimeToLiveSeconds: SMS_TIME_TO_LIVE_SECONDS.marketing };
}

/** The email adapter's settings for the send function's emails. */
export function emailSenderConfig(env: SendEnvironment): EmailSenderConfig {
  return {
    fromEmailAddress: env.FROM_EMAIL_ADDRESS,
    configurationSetName: env.SES_CONFIGURATION_SET,
    ...(env.REPLY_TO_ADDRESS === undefined ? {} : { replyToAddresses: [env.REPLY_TO_ADDRESS] }),
  };
}

/** The channel adapters for the settings and clients. */
export function channelSenders(env: SendEnvironment, clients: SendClients): ChannelSenders {
  return {
    email: new SesEmailSender(clients.ses, emailSenderConfig(env)),
    sms: new EndUserMessagingSmsSender(clients.sms, smsSenderConfig(env)),
    mail: new SqsDirectMailSender(clients.sqs, { queueUrl: env.DIRECT_MAIL_QUEUE_URL }),
  };
}

/** Everything `deliverMessage` needs, given the settings, clients, adapters and signing secret. */
export function deliveryPorts(
  env: SendEnvironment,
  clients: Pick<SendClients, 'dynamodb'>,
  senders: ChannelSenders,
  linkSecret: string,
  now: () => Date = () => new Date(),
): DeliveryPorts {
  const table = { client: clients.dynamodb, tableName: env.CUSTOMER_TABLE_NAME };
  return {
    store: new DeliveryStore(table),
    sendSlots: new SendSlots(table, { email: rateOf(env.SEND_RATE_EMAIL), sms: rateOf(env.SEND_RATE_SMS) }),
    // Checked at synth (Delivery) and at the local stack's start; see readTemplateCatalog.
    templates: readTemplateCatalog(env.TEMPLATES_DIR),
    links: { baseUrl: env.PUBLIC_BASE_URL, secret: linkSecret },
    senderPostalAddress: env.SENDER_POSTAL_ADDRESS,
    senders,
    now,
  };
}

function rateOf(setting: string | undefined): number | undefined {
  return setting === undefined ? undefined : Number(setting);
}
