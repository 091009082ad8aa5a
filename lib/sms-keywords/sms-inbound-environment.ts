/** The sms-inbound function's settings and the dependencies built from them (Lambda and local stack alike). */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import * as z from '../schema/zod-mini';
import { EndUserMessagingSmsSender, transactionalSmsConfig, type SmsSender } from '../channels/sms';
import { NonEmptyTextSchema } from '../customer/model';
import { CustomerStore } from '../store/customer-store';
import { DEFAULT_HELP_TEXT, DEFAULT_SMS_CONFIRMED_TEXT, DEFAULT_SMS_OPTED_OUT_TEXT, type InboundSmsDependencies } from './handle-inbound-sms';

/** Environment variables of the sms-inbound function. */
export const SmsInboundEnvironmentSchema = z.object({
  CUSTOMER_TABLE_NAME: NonEmptyTextSchema,
  SMS_ORIGINATION_IDENTITY: NonEmptyTextSchema,
  SMS_CONFIGURATION_SET: NonEmptyTextSchema,
  /** The answer to HELP. */
  SMS_HELP_TEXT: z._default(z.string().check(z.minLength(1), z.maxLength(320)), DEFAULT_HELP_TEXT),
  /** The answer to a YES that confirmed an SMS double opt-in. */
  SMS_CONFIRMED_TEXT: z._default(z.string().check(z.minLength(1), z.maxLength(320)), DEFAULT_SMS_CONFIRMED_TEXT),
  /** The confirmation of an opt-out End User Messaging did not answer itself (a sentence such as "Stop please"). */
  SMS_OPTED_OUT_TEXT: z._default(z.string().check(z.minLength(1), z.maxLength(320)), DEFAULT_SMS_OPTED_OUT_TEXT),
});
export type SmsInboundEnvironment = z.infer<typeof SmsInboundEnvironmentSchema>;

/**
 * The dependencies for the settings. `replies` defaults to End User Messaging through `sms`; the
 * local stack passes its SMS outbox instead.
 */
export function smsInboundDependencies(
  env: SmsInboundEnvironment,
  clients: { readonly dynamodb: DynamoDBClient; readonly sms: PinpointSMSVoiceV2Client },
  replies?: SmsSender,
): InboundSmsDependencies {
  return {
    store: new CustomerStore({ client: clients.dynamodb, tableName: env.CUSTOMER_TABLE_NAME }),
    phoneIndex: { client: clients.dynamodb, tableName: env.CUSTOMER_TABLE_NAME },
    replies:
      replies ??
      new EndUserMessagingSmsSender(clients.sms, transactionalSmsConfig(env)),
    helpText: env.SMS_HELP_TEXT,
    confirmedText: env.SMS_CONFIRMED_TEXT,
    optedOutText: env.SMS_OPTED_OUT_TEXT,
  };
}
