/**
 * Deployment configuration, read once from CDK context and validated, so a bad value fails synth
 * with a message naming the context key instead of surfacing as a broken deploy.
 */
import * as z from 'zod';
import { DEFAULT_SMS_BRAND, SMS_BRAND_MAX_LENGTH, SMS_BRAND_PATTERN } from './channels/sms';
import { TimeZoneSchema } from './customer/model';
import { scheduleExpressionProblem } from './journeys/schedule-expression';

/** The CDK context keys Overture reads (`cdk.json` or `npx cdk deploy -c key=value`). */
export const CONTEXT_KEYS = {
  environment: 'overture:environment',
  fromAddress: 'overture:fromAddress',
  fromName: 'overture:fromName',
  replyTo: 'overture:replyTo',
  senderPostalAddress: 'overture:senderPostalAddress',
  sendingIdentity: 'overture:sendingIdentity',
  smsOriginationIdentity: 'overture:smsOriginationIdentity',
  smsBrand: 'overture:smsBrand',
  unsubscribeSecretName: 'overture:unsubscribeSecretName',
  publicBaseUrl: 'overture:publicBaseUrl',
  deletionProtection: 'overture:deletionProtection',
  sesConfigurationSetName: 'overture:sesConfigurationSetName',
  smsConfigurationSetName: 'overture:smsConfigurationSetName',
  alarmEmail: 'overture:alarmEmail',
  logRetentionDays: 'overture:logRetentionDays',
  inactivityScanSchedule: 'overture:inactivityScanSchedule',
  scheduleTimezone: 'overture:scheduleTimezone',
  sendRateEmail: 'overture:sendRateEmail',
  sendRateSms: 'overture:sendRateSms',
} as const;

/**
 * Messages a second the send path allows by default (lib/store/send-slots.ts): 14 emails, SES's
 * usual first production quota (the sandbox allows 1), and 3 texts, what one toll-free number
 * sends (a short code sends 100). Raise them to the quotas the account was granted.
 */
export const DEFAULT_SEND_RATES = { email: 14, sms: 3 } as const;

const booleanFromContext = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]);
const rateFromContext = z
  .union([z.number(), z.string().regex(/^\d+(\.\d+)?$/, 'must be a number').transform(Number)])
  .pipe(z.number().positive('must be more than 0').max(1000, 'must be at most 1000'));
const integerFromContext = z.union([z.number(), z.string().regex(/^\d+$/, 'must be a whole number').transform(Number)]).pipe(z.number().int());

/** What the synth failure says when the sender's postal address is missing or blank. */
const POSTAL_ADDRESS_REQUIRED =
  'required in every environment: the postal address of the sender, which the footer of every marketing email prints (CAN-SPAM, CASL), e.g. -c "overture:senderPostalAddress=Example Shop, 1 Main Street, Springfield, IL 62701, USA"';

/**
 * The sender's postal address: required, with no development default, since an example address
 * in a marketing email that reaches a real inbox is no address at all. Line breaks are kept (the
 * HTML part prints them as `<br />`); other control characters are refused.
 */
const PostalAddressSchema = z
  .string({ error: POSTAL_ADDRESS_REQUIRED })
  .trim()
  .min(1, POSTAL_ADDRESS_REQUIRED)
  .max(500, 'must be at most 500 characters')
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u0009\u000B-\u001F\u007F]*$/, 'must hold no control characters other than line breaks');

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** A configuration set name as SES and End User Messaging accept it. */
const ConfigurationSetNameSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, "_" or "-"');

/**
 * The From address: a bare address, as IAM's `ses:FromAddress` condition names it. The display
 * name has its own key, so a `Name <address>` value is pointed there.
 */
const FromAddressSchema = z
  .string()
  .refine((value) => !/<.*>/.test(value), `must be the bare address; give the display name in "${CONTEXT_KEYS.fromName}", e.g. -c "overture:fromName=Example Shop"`)
  .pipe(z.email());

/**
 * The From display name ("Example Shop"): one line, no control characters. SES needs it 7-bit
 * (formatMailbox encodes other characters as RFC 2047 encoded-words).
 */
const FromNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be blank')
  .max(64, 'must be at most 64 characters')
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001F\u007F]*$/, 'must be one line without control characters');

/**
 * Whether the SES identity covers `address`: an address identity covers that address only; a
 * domain identity covers addresses at the domain and at its subdomains (SES: "if you verify
 * example.com you can send from user@a.example.com"). Domains compare without regard to case.
 */
export function identityCoversAddress(identity: string, address: string): boolean {
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1).toLowerCase();
  if (identity.includes('@')) {
    const identityAt = identity.lastIndexOf('@');
    return identity.slice(0, identityAt) === address.slice(0, at) && identity.slice(identityAt + 1).toLowerCase() === domain;
  }
  const identityDomain = identity.toLowerCase();
  return domain === identityDomain || domain.endsWith(`.${identityDomain}`);
}

/** Validated deployment settings. */
export const OvertureConfigSchema = z.object({
  /** Environment name, part of every resource name: `dev`, `staging`, `prod`… */
  environment: z.string().regex(/^[a-z][a-z0-9-]{0,15}$/, 'must be 1–16 lower-case letters, digits or "-"'),
  /** The From address of every email, on the verified sending identity (checked below). */
  fromAddress: FromAddressSchema,
  /** The From display name of every email; none when unset (the bare address shows). */
  fromName: FromNameSchema.optional(),
  /** Where replies to the emails go (`Reply-To`), any address; none when unset (replies go to the From address). */
  replyTo: z.email().optional(),
  /**
   * The sender's physical postal address, printed in the footer of every marketing email
   * (`{{ senderPostalAddress }}`): CAN-SPAM (15 U.S.C. 7704(a)(5)(A)(iii)) and CASL require it.
   */
  senderPostalAddress: PostalAddressSchema,
  /** The SES identity (domain or address) the send function may send through. */
  sendingIdentity: z.string().min(3),
  /**
   * End User Messaging SMS origination identity: a phone number id (`phone-…`), a pool id
   * (`pool-…`) or the ARN of a phone number, pool or sender id. The send function may send from
   * this identity only, so it must be one IAM can name.
   */
  smsOriginationIdentity: z
    .string()
    .regex(
      /^((phone|pool)-[A-Za-z0-9]+|arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:(phone-number|pool|sender-id)\/.+)$/,
      'must be a phone number id (phone-…), a pool id (pool-…) or an sms-voice phone-number, pool or sender-id ARN',
    ),
  /**
   * The brand every marketing text starts with (`Example: …`) and the keyword answers name: CTIA's
   * sender identification, which 10DLC campaign and toll-free vetting check. The brand the
   * origination number was registered under.
   */
  smsBrand: z
    .string()
    .trim()
    .max(SMS_BRAND_MAX_LENGTH, `must be at most ${SMS_BRAND_MAX_LENGTH} characters: every marketing text carries it, and the catalog's texts fit one segment with a brand that long`)
    .regex(SMS_BRAND_PATTERN, "must be letters, digits, spaces and & ' . - !, starting with a letter or digit"),
  /** Secrets Manager secret that holds the HMAC key for unsubscribe and preference links. */
  unsubscribeSecretName: z.string().min(1),
  /**
   * Whether the stack creates that secret (a generated 64-character key): when no secret name is
   * given in context. A given name refers to a secret that exists already.
   */
  manageUnsubscribeSecret: z.boolean(),
  /** Public https base URL of the consent API (one-click unsubscribe, preference centre). */
  publicBaseUrl: z.url({ protocol: /^https$/ }),
  /** Tables refuse deletion and are retained when the stack goes. Defaults to on for `prod`. */
  deletionProtection: booleanFromContext,
  /** The SES configuration set the stack creates and every email is sent through. */
  sesConfigurationSetName: ConfigurationSetNameSchema,
  /** The End User Messaging SMS configuration set the stack creates and every text is sent through. */
  smsConfigurationSetName: ConfigurationSetNameSchema,
  /** Where alarm notifications go (an email subscription to the alarm topic); none when unset. */
  alarmEmail: z.email().optional(),
  /** Days Lambda and Step Functions logs are kept. */
  logRetentionDays: integerFromContext.refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
    message: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
  }),
  /** When the daily inactivity scan runs: an EventBridge Scheduler `cron(…)` expression. */
  inactivityScanSchedule: z.string().superRefine((expression, ctx) => {
    const problem = scheduleExpressionProblem(expression, ['cron']);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  }),
  /** The time zone of the scan's and the journeys' schedules (IANA name). */
  scheduleTimezone: TimeZoneSchema,
  /** Emails a second the send path allows (SES's maximum send rate for the account). */
  sendRateEmail: rateFromContext,
  /** Texts a second the send path allows (the origination identity's throughput). */
  sendRateSms: rateFromContext,
}).superRefine((config, ctx) => {
  // The send role may send from the identity only, so an address it does not cover fails every email.
  if (!identityCoversAddress(config.sendingIdentity, config.fromAddress)) {
    const covered = config.sendingIdentity.includes('@')
      ? `must be the address identity itself, "${config.sendingIdentity}"`
      : `must be at "${config.sendingIdentity}" or one of its subdomains`;
    ctx.addIssue({
      code: 'custom',
      path: ['fromAddress'],
      message: `"${config.fromAddress}" is not covered by the SES sending identity "${config.sendingIdentity}" (context "${CONTEXT_KEYS.sendingIdentity}"): SES would refuse every email and DMARC could not align; the From address ${covered}`,
    });
  }
});
export type OvertureConfig = z.infer<typeof OvertureConfigSchema>;

/** Raised when CDK context holds an invalid value; the message names the context key. */
export class InvalidConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidConfigError';
  }
}

/**
 * Builds the configuration from a context lookup (`(key) => node.tryGetContext(key)`), filling
 * development defaults for anything unset outside `prod` except the sender's postal address,
 * which every environment must be given.
 */
export function readConfig(lookup: (key: string) => unknown): OvertureConfig {
  const environment = lookup(CONTEXT_KEYS.environment) ?? 'dev';
  const isProd = environment === 'prod';
  const devDefault = <T>(value: T): T | undefined => (isProd ? undefined : value);
  const raw = {
    environment,
    fromAddress: lookup(CONTEXT_KEYS.fromAddress) ?? devDefault('journeys@example.com'),
    fromName: lookup(CONTEXT_KEYS.fromName),
    replyTo: lookup(CONTEXT_KEYS.replyTo),
    senderPostalAddress: lookup(CONTEXT_KEYS.senderPostalAddress),
    sendingIdentity: lookup(CONTEXT_KEYS.sendingIdentity) ?? devDefault('example.com'),
    smsOriginationIdentity: lookup(CONTEXT_KEYS.smsOriginationIdentity) ?? devDefault('pool-0000000000000000000000000000dev0'),
    smsBrand: lookup(CONTEXT_KEYS.smsBrand) ?? devDefault(DEFAULT_SMS_BRAND),
    unsubscribeSecretName: lookup(CONTEXT_KEYS.unsubscribeSecretName) ?? `overture/${String(environment)}/unsubscribe-key`,
    manageUnsubscribeSecret: lookup(CONTEXT_KEYS.unsubscribeSecretName) === undefined,
    publicBaseUrl: lookup(CONTEXT_KEYS.publicBaseUrl) ?? devDefault('https://preferences.example.com'),
    deletionProtection: lookup(CONTEXT_KEYS.deletionProtection) ?? isProd,
    sesConfigurationSetName: lookup(CONTEXT_KEYS.sesConfigurationSetName) ?? `overture-${String(environment)}`,
    smsConfigurationSetName: lookup(CONTEXT_KEYS.smsConfigurationSetName) ?? `overture-${String(environment)}`,
    alarmEmail: lookup(CONTEXT_KEYS.alarmEmail),
    logRetentionDays: lookup(CONTEXT_KEYS.logRetentionDays) ?? (isProd ? 365 : 30),
    inactivityScanSchedule: lookup(CONTEXT_KEYS.inactivityScanSchedule) ?? 'cron(0 3 * * ? *)',
    scheduleTimezone: lookup(CONTEXT_KEYS.scheduleTimezone) ?? 'UTC',
    sendRateEmail: lookup(CONTEXT_KEYS.sendRateEmail) ?? DEFAULT_SEND_RATES.email,
    sendRateSms: lookup(CONTEXT_KEYS.sendRateSms) ?? DEFAULT_SEND_RATES.sms,
  };
  const parsed = OvertureConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? '');
      const key = CONTEXT_KEYS[field as keyof typeof CONTEXT_KEYS] ?? field;
      return `context "${key}": ${issue.message}`;
    });
    throw new InvalidConfigError(`Invalid Overture configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}
