/**
 * The port every delivery channel implements, and the SDK client settings it relies on.
 *
 * An adapter does one thing: hand one already-decided, already-rendered message to its provider,
 * once. Whether to send (the gate), what to say (templates) and "only once across retries" (the
 * send ledger) belong to the caller.
 */
import { ChannelConfigurationError } from './errors';

/** What a provider gave back for an accepted message. */
export interface SendReceipt {
  /** The provider's id for the message: SES `MessageId`, SMS `MessageId`, SQS `MessageId`. */
  readonly providerMessageId: string;
  /** SMS only: the number of segments the text is billed and delivered as. */
  readonly segments?: number;
}

/**
 * Hands one message to a provider.
 *
 * `send` resolves once the provider accepted the message, and otherwise rejects with one of the
 * errors of `./errors`: `MessageInvalidError` before calling the provider, or a `ProviderError`
 * subclass (`ProviderThrottledError`, `ProviderUnavailableError`, `ProviderRejectedError` or its
 * `RecipientOptedOutError`, `ProviderUnknownOutcomeError`) after.
 */
export interface ChannelSender<Message> {
  send(message: Message): Promise<SendReceipt>;
}

/**
 * Client settings the adapters require: the SDK must not retry on its own.
 *
 * The SDK's default retry re-sends after a timeout or a 5xx, which for SES and SMS can deliver a
 * message twice; retries belong to Step Functions, and only for errors that prove nothing was sent.
 * Spread into every provider client: `new SESv2Client({ ...PROVIDER_CLIENT_CONFIG, region })`.
 * The timeouts keep a hung connection from eating the Lambda's whole budget: a provider that takes
 * the connection and never answers ends, after `requestTimeout`, in a `TimeoutError` (an unknown
 * outcome). `throwOnRequestTimeout` is what makes it so: without it @smithy/node-http-handler only
 * logs a warning when `requestTimeout` passes and keeps waiting.
 */
export const PROVIDER_CLIENT_CONFIG = {
  maxAttempts: 1,
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
} as const;

/** The slice of an SDK v3 client's resolved config the guard reads. */
interface ClientWithMaxAttempts {
  config: { maxAttempts?: unknown };
}

/**
 * Rejects a client whose SDK retry could resend a message (see {@link PROVIDER_CLIENT_CONFIG}).
 * Returns the check as a promise so adapters run it once, lazily, on their first send.
 */
export async function assertSingleAttemptClient(client: ClientWithMaxAttempts, clientName: string): Promise<void> {
  const setting = client.config.maxAttempts;
  const maxAttempts = typeof setting === 'function' ? await (setting as () => Promise<unknown>)() : setting;
  if (maxAttempts !== 1) {
    throw new ChannelConfigurationError(
      `${clientName} must be built with maxAttempts: 1 (got ${String(maxAttempts)}): SDK retries can deliver a message twice; ` +
        'spread PROVIDER_CLIENT_CONFIG into the client options',
    );
  }
}

/** Paths of the zod issues, joined with dots, for errors that must not echo values. */
export function issuePaths(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey> }>): string[] {
  return [...new Set(issues.map((issue) => issue.path.map(String).join('.') || '(root)'))];
}
