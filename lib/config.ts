/**
 * Deployment configuration, read once from CDK context and validated, so a bad value fails synth
 * with a message naming the context key instead of surfacing as a broken deploy.
 */
import { z } from 'zod';

/** The CDK context keys Overture reads (`cdk.json` or `npx cdk deploy -c key=value`). */
export const CONTEXT_KEYS = {
  environment: 'overture:environment',
  fromAddress: 'overture:fromAddress',
  sendingIdentity: 'overture:sendingIdentity',
  smsOriginationIdentity: 'overture:smsOriginationIdentity',
  unsubscribeSecretName: 'overture:unsubscribeSecretName',
  publicBaseUrl: 'overture:publicBaseUrl',
  deletionProtection: 'overture:deletionProtection',
} as const;

const booleanFromContext = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]);

/** Validated deployment settings. */
export const OvertureConfigSchema = z.object({
  /** Environment name, part of every resource name: `dev`, `staging`, `prod`… */
  environment: z.string().regex(/^[a-z][a-z0-9-]{0,15}$/, 'must be 1–16 lower-case letters, digits or "-"'),
  /** The From address of every email, on the verified sending identity. */
  fromAddress: z.email(),
  /** The SES identity (domain or address) the send function may send through. */
  sendingIdentity: z.string().min(3),
  /** End User Messaging SMS origination identity (phone number id, pool id or sender id). */
  smsOriginationIdentity: z.string().min(1),
  /** Secrets Manager secret that holds the HMAC key for unsubscribe and preference links. */
  unsubscribeSecretName: z.string().min(1),
  /** Public https base URL of the consent API (one-click unsubscribe, preference centre). */
  publicBaseUrl: z.url({ protocol: /^https$/ }),
  /** Tables refuse deletion and are retained when the stack goes. Defaults to on for `prod`. */
  deletionProtection: booleanFromContext,
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
 * development defaults for anything unset outside `prod`.
 */
export function readConfig(lookup: (key: string) => unknown): OvertureConfig {
  const environment = lookup(CONTEXT_KEYS.environment) ?? 'dev';
  const isProd = environment === 'prod';
  const devDefault = <T>(value: T): T | undefined => (isProd ? undefined : value);
  const raw = {
    environment,
    fromAddress: lookup(CONTEXT_KEYS.fromAddress) ?? devDefault('journeys@example.com'),
    sendingIdentity: lookup(CONTEXT_KEYS.sendingIdentity) ?? devDefault('example.com'),
    smsOriginationIdentity: lookup(CONTEXT_KEYS.smsOriginationIdentity) ?? devDefault('overture-dev-pool'),
    unsubscribeSecretName: lookup(CONTEXT_KEYS.unsubscribeSecretName) ?? `overture/${String(environment)}/unsubscribe-key`,
    publicBaseUrl: lookup(CONTEXT_KEYS.publicBaseUrl) ?? devDefault('https://preferences.example.com'),
    deletionProtection: lookup(CONTEXT_KEYS.deletionProtection) ?? isProd,
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
