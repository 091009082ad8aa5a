/**
 * The consent-api function's settings and the dependencies built from them; the same builder
 * serves the Lambda (AWS endpoints) and the local stack (emulator endpoints).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { SesEmailSender } from '../channels/email';
import { EndUserMessagingSmsSender, transactionalSmsConfig } from '../channels/sms';
import { NonEmptyTextSchema, TopicSchema } from '../customer/model';
import { observedEventRecorder } from '../ingest/observed-event';
import * as z from '../schema/zod-mini';
import { CustomerStore } from '../store/customer-store';
import type { LinkKeys } from '../unsubscribe/link-keys';
import { DEFAULT_TOPIC_OFFERS, linksWithKeys, type ConsentApiDependencies } from './dependencies';
import { DEFAULT_RATE_LIMIT, type RateLimitSettings } from './rate-limit';
import { DEFAULT_SMS_CONFIRMATION_TEXT, SMS_CONFIRMATION_TEXT_KEYWORDS } from './sms-double-opt-in';

const TopicOffersSchema = z
  .array(z.object({ topic: TopicSchema, label: z.string().check(z.minLength(1), z.maxLength(100)) }))
  .check(z.minLength(1));

/** Environment variables of the consent-api function. */
export const ConsentApiEnvironmentSchema = z.object({
  CUSTOMER_TABLE_NAME: NonEmptyTextSchema,
  /** Public base URL of the API (links in messages and pages point here). */
  PUBLIC_BASE_URL: z.url(),
  /** Secrets Manager secret (name or ARN) holding the link-signing key, as for the send function. */
  LINK_SECRET_ID: NonEmptyTextSchema,
  /** From address of the double opt-in email. */
  FROM_EMAIL_ADDRESS: z.string().check(z.minLength(3)),
  SES_CONFIGURATION_SET: NonEmptyTextSchema,
  /** Where the SMS double opt-in text is sent from, as for the send function. */
  SMS_ORIGINATION_IDENTITY: NonEmptyTextSchema,
  SMS_CONFIGURATION_SET: NonEmptyTextSchema,
  /**
   * The SMS double opt-in text. It must say YES (the reply that confirms), STOP and HELP; keep it
   * to one segment (160 GSM-7 characters). @default DEFAULT_SMS_CONFIRMATION_TEXT
   */
  SMS_CONFIRMATION_TEXT: z
    ._default(z.string().check(z.minLength(1), z.maxLength(320)), DEFAULT_SMS_CONFIRMATION_TEXT)
    .check(
      z.refine(
        (text) => SMS_CONFIRMATION_TEXT_KEYWORDS.every((keyword) => new RegExp(`\\b${keyword}\\b`, 'i').test(text)),
        `must say ${SMS_CONFIRMATION_TEXT_KEYWORDS.join(', ')}`,
      ),
    ),
  /** JSON list of `{ "topic", "label" }` the preference centre offers. @default marketing: "Offers and news" */
  CONSENT_TOPICS: z.pipe(
    z.optional(z.string()),
    z.transform((text: string | undefined, context) => {
      if (text === undefined || text === '') return DEFAULT_TOPIC_OFFERS;
      try {
        const parsed = TopicOffersSchema.safeParse(JSON.parse(text));
        if (parsed.success) return parsed.data;
        const problem = parsed.error.issues[0]?.message ?? '';
        context.issues.push({ code: 'custom', message: `must be a JSON list of { topic, label }: ${problem}`, input: text });
      } catch {
        context.issues.push({ code: 'custom', message: 'must be JSON', input: text });
      }
      return z.NEVER;
    }),
  ),
  /** Per-instance backstop behind the HTTP API's own throttling (see rate-limit.ts). */
  RATE_LIMIT_BURST: z._default(z.coerce.number().check(z.int(), z.gte(1)), DEFAULT_RATE_LIMIT.burst),
  RATE_LIMIT_PER_SECOND: z._default(z.coerce.number().check(z.positive()), DEFAULT_RATE_LIMIT.ratePerSecond),
});
export type ConsentApiEnvironment = z.infer<typeof ConsentApiEnvironmentSchema>;

/** The rate limit of the settings. */
export function rateLimitOf(env: ConsentApiEnvironment): RateLimitSettings {
  return { burst: env.RATE_LIMIT_BURST, ratePerSecond: env.RATE_LIMIT_PER_SECOND };
}

/**
 * The API's dependencies for the settings, clients and the link secret's keys (builtFromLinkKeys). The
 * SES and SMS clients must be built with PROVIDER_CLIENT_CONFIG.
 */
export function consentApiDependencies(
  env: ConsentApiEnvironment,
  clients: { readonly dynamodb: DynamoDBClient; readonly ses: SESv2Client; readonly sms: PinpointSMSVoiceV2Client; readonly sfn: SFNClient },
  linkKeys: LinkKeys,
  now: () => Date = () => new Date(),
): ConsentApiDependencies {
  const store = new CustomerStore({ client: clients.dynamodb, tableName: env.CUSTOMER_TABLE_NAME });
  return {
    store,
    phoneIndex: { client: clients.dynamodb, tableName: env.CUSTOMER_TABLE_NAME },
    email: new SesEmailSender(clients.ses, { fromEmailAddress: env.FROM_EMAIL_ADDRESS, configurationSetName: env.SES_CONFIGURATION_SET }),
    sms: new EndUserMessagingSmsSender(clients.sms, transactionalSmsConfig(env)),
    smsConfirmationText: env.SMS_CONFIRMATION_TEXT,
    links: linksWithKeys(env.PUBLIC_BASE_URL, linkKeys),
    now,
    topics: env.CONSENT_TOPICS,
    recordEvent: observedEventRecorder({ store, dynamodb: clients.dynamodb, sfn: clients.sfn, tableName: env.CUSTOMER_TABLE_NAME }),
  };
}
