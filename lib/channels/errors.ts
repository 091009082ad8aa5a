/**
 * What can go wrong when a message is handed to a provider, sorted by what the caller may do next.
 *
 * SES, End User Messaging SMS and SQS accept no idempotency key, so the only safe retry is one made
 * when we *know* the provider did not accept the message. Every adapter funnels its failures through
 * {@link classifyProviderError}, which picks exactly one of these classes:
 *
 * | Class                          | Provider accepted it? | What the caller does                                   |
 * |--------------------------------|-----------------------|--------------------------------------------------------|
 * | {@link ProviderThrottledError}   | no                    | retry with backoff (the Step Functions `Retry` matches the name) |
 * | {@link ProviderQuotaExhaustedError} | no                 | wait for the quota, far longer than a backoff (the send path defers) |
 * | {@link ProviderUnavailableError} | no (never reached it) | retry with backoff, like throttling                    |
 * | {@link ProviderRejectedError}    | no, and never will    | record a failure; never retry                          |
 * | {@link RecipientOptedOutError}   | no, and never will    | record the revocation; decide again without the channel|
 * | {@link ProviderUnknownOutcomeError} | maybe              | record `unknown`; never resend automatically           |
 *
 * Error names are a contract: Step Functions matches `errorType`, which Lambda takes from `name`.
 */
import type { Channel } from '../customer/model';

/** The error names a Step Functions `Retry` should match: the provider certainly did not take the message. */
export const RETRYABLE_PROVIDER_ERRORS = ['ProviderThrottledError', 'ProviderUnavailableError'] as const;

/** Which provider an adapter talks to; carried on every provider error for logs and metrics. */
export type Provider = 'ses' | 'sms' | 'sqs';

/** The provider each channel uses. */
export const PROVIDER_OF_CHANNEL: Readonly<Record<Channel, Provider>> = { email: 'ses', sms: 'sms', mail: 'sqs' };

/** Facts about a provider failure that are safe to log: no addresses, no message content. */
export interface ProviderErrorDetails {
  readonly provider: Provider;
  /** The provider's error code (`TooManyRequestsException`, `ECONNRESET`…) or `Unknown`. */
  readonly code: string;
  /** The HTTP status the provider answered with, when there was an answer. */
  readonly httpStatusCode?: number;
  /** The provider's request id, for a support case. */
  readonly requestId?: string;
}

/** Base of the provider failures; never thrown itself. */
export abstract class ProviderError extends Error {
  readonly provider: Provider;
  readonly code: string;
  readonly httpStatusCode?: number;
  readonly requestId?: string;
  /** Whether the provider may have accepted (and will deliver) the message despite the error. */
  abstract readonly mayHaveBeenSent: boolean;
  /** Whether sending again later is safe and may succeed. */
  abstract readonly retryable: boolean;

  protected constructor(summary: string, details: ProviderErrorDetails, cause: unknown) {
    super(`${details.provider}: ${summary} (${details.code}${details.httpStatusCode === undefined ? '' : `, HTTP ${details.httpStatusCode}`})`, {
      cause,
    });
    this.provider = details.provider;
    this.code = details.code;
    if (details.httpStatusCode !== undefined) this.httpStatusCode = details.httpStatusCode;
    if (details.requestId !== undefined) this.requestId = details.requestId;
  }
}

/** The provider refused the request because we send too fast (or over a quota that refills); retry with backoff. */
export class ProviderThrottledError extends ProviderError {
  readonly mayHaveBeenSent = false;
  readonly retryable = true;
  constructor(details: ProviderErrorDetails, options: { cause?: unknown } = {}, summary = 'throttled; retry with backoff') {
    super(summary, details, options.cause);
    this.name = 'ProviderThrottledError';
  }
}

/**
 * The provider refused the message because the account's sending quota over a rolling period is
 * used up: SES answers `ThrottlingException` "Daily message quota exceeded" once the 24 hours'
 * quota (50,000 a day for a new production account) is sent. Nothing was sent, and a retry within
 * minutes is refused the same way: the quota frees only as the sends of the past day age out. A
 * throttle for callers that know no better; the send path withdraws the reservation and defers.
 */
export class ProviderQuotaExhaustedError extends ProviderThrottledError {
  constructor(details: ProviderErrorDetails, options: { cause?: unknown } = {}) {
    super(details, options, 'sending quota used up; wait for it to free');
    this.name = 'ProviderQuotaExhaustedError';
  }
}

/** The request never reached the provider (connection refused, DNS failure); retry with backoff. */
export class ProviderUnavailableError extends ProviderError {
  readonly mayHaveBeenSent = false;
  readonly retryable = true;
  constructor(details: ProviderErrorDetails, options: { cause?: unknown } = {}) {
    super('unreachable before the request was sent; retry with backoff', details, options.cause);
    this.name = 'ProviderUnavailableError';
  }
}

/** The provider definitely refused this message (validation, rejected content, paused account); never retried. */
export class ProviderRejectedError extends ProviderError {
  readonly mayHaveBeenSent = false;
  readonly retryable = false;
  constructor(details: ProviderErrorDetails, options: { cause?: unknown } = {}, summary = 'rejected the message') {
    super(summary, details, options.cause);
    this.name = 'ProviderRejectedError';
  }
}

/**
 * The provider refused the message because the recipient opted out of the channel with the
 * provider itself (End User Messaging SMS: `ConflictException` with `Reason`
 * `DESTINATION_PHONE_NUMBER_OPTED_OUT`, the number is on the configuration's opt-out list).
 * Nothing was sent. A rejection like any other for callers that only know {@link ProviderRejectedError};
 * the send path treats it as a withdrawal of consent to the channel and decides again without it.
 */
export class RecipientOptedOutError extends ProviderRejectedError {
  constructor(details: ProviderErrorDetails, options: { cause?: unknown } = {}) {
    super(details, options, 'refused the message: the recipient opted out');
    this.name = 'RecipientOptedOutError';
  }
}

/**
 * The request may have been accepted: a timeout, a dropped connection or a 5xx after the request
 * was sent, or an answer we cannot read. Record `unknown` and never resend automatically.
 */
export class ProviderUnknownOutcomeError extends ProviderError {
  readonly mayHaveBeenSent = true;
  readonly retryable = false;
  constructor(details: ProviderErrorDetails, options: { cause?: unknown } = {}) {
    super('outcome unknown; the message may have been accepted', details, options.cause);
    this.name = 'ProviderUnknownOutcomeError';
  }
}

/** A message handed to an adapter is malformed (bad address, missing unsubscribe URL…); the provider was not called. */
export class MessageInvalidError extends Error {
  /** Paths of the offending fields, never their values (they may hold personal data). */
  readonly fields: readonly string[];
  constructor(channel: Channel, fields: readonly string[], options: { cause?: unknown; reason?: string } = {}) {
    super(`${channel} message is invalid at ${fields.join(', ') || '(root)'}${options.reason ? `: ${options.reason}` : ''}`, {
      cause: options.cause,
    });
    this.name = 'MessageInvalidError';
    this.fields = fields;
  }
}

/** An adapter was built with a configuration that would break the send-once guarantee or cannot work. */
export class ChannelConfigurationError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ChannelConfigurationError';
  }
}

/** Error codes providers use for "slow down", across SES v2, End User Messaging SMS, SQS and the SDK. */
const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'TooManyRequestsException', // SES v2: maximum sending rate exceeded (HTTP 429)
  'ThrottlingException', // SES v2 common error, End User Messaging SMS
  'Throttling', // SES v1 query protocol, some SDK paths
  'ThrottledException',
  'RequestThrottled', // SQS
  'RequestThrottledException',
  'RequestLimitExceeded',
  'SlowDown',
  'KmsThrottled', // SQS with SSE-KMS: the KMS call was throttled, the message was not enqueued
  'KMS.ThrottlingException',
]);

/**
 * Errors that mean "not sent, and waiting will not help" even though they sound transient:
 * SES `SendingPausedException` (an operator must resume sending), `AccountSuspendedException`,
 * `LimitExceededException` (too many *resources*, not a rate), SMS `ServiceQuotaExceededException`
 * (e.g. the monthly spend limit). They are client faults, so they fall to {@link ProviderRejectedError};
 * listed here so the choice is visible and tested.
 */
const DEFINITE_REJECTION_CODES: ReadonlySet<string> = new Set([
  'SendingPausedException',
  'AccountSuspendedException',
  'LimitExceededException',
  'ServiceQuotaExceededException',
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'BadRequestException',
  'NotFoundException',
  'ValidationException',
  'ConflictException',
  'AccessDeniedException',
  'ResourceNotFoundException',
  'InvalidParameterValue',
  'InvalidMessageContents',
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
]);

/**
 * SES's message for a send over the account's 24-hour quota (a `ThrottlingException`, like its
 * per-second rate, which says "Maximum sending rate exceeded").
 */
const DAILY_QUOTA_MESSAGE = /daily message quota exceeded/i;

/** Socket errors raised before any byte of the request left: the provider never saw it. */
const NOT_SENT_NETWORK_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * The SDK's HTTP handler (smithy's node-http-handler) giving up on a socket that never connected
 * within `connectionTimeout`: a `TimeoutError` with no code, told by its message only. Its other
 * timeouts cannot be taken for it: the request timeout carries the code `ETIMEDOUT`, and the
 * socket's inactivity timeout, which may strike after the request left, says "timed out after".
 * test/channels/provider-connect-timeout.test.ts pins the message to the handler this project uses.
 */
const CONNECT_TIMEOUT_MESSAGE = /did not establish a connection with the server/;

/** Whether `shape` is the HTTP handler's connect timeout (see {@link CONNECT_TIMEOUT_MESSAGE}). */
function isConnectTimeout(shape: ErrorShape): boolean {
  return shape.name === 'TimeoutError' && shape.code === undefined && typeof shape.message === 'string' && CONNECT_TIMEOUT_MESSAGE.test(shape.message);
}

/**
 * Provider answers that mean "the recipient opted out of this channel with us", by provider:
 * error name and the `Reason` it carries. End User Messaging SMS answers `SendTextMessage` to a
 * number on the opt-out list with `ConflictException` / `DESTINATION_PHONE_NUMBER_OPTED_OUT`.
 */
const RECIPIENT_OPTED_OUT: Readonly<Partial<Record<Provider, { readonly name: string; readonly reason: string }>>> = {
  sms: { name: 'ConflictException', reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT' },
};

interface ErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  Reason?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
  $retryable?: { throttling?: unknown };
}

function shapeOf(error: unknown): ErrorShape {
  return typeof error === 'object' && error !== null ? (error as ErrorShape) : {};
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Sorts any error thrown while calling a provider into exactly one provider error class.
 *
 * Order matters: throttling first (a 429 is a client fault but retryable), then errors that prove
 * the request never left (a refused or unroutable connection, one that never connected), then the recipient's opt-out (a rejection that says something about
 * consent), then other definite client-side rejections (4xx), and everything else —
 * 5xx, timeouts, resets, unreadable answers — is an unknown outcome, the only safe default when a
 * resend could deliver the message twice.
 */
export function classifyProviderError(error: unknown, provider: Provider): ProviderError {
  if (error instanceof ProviderError) return error;
  const shape = shapeOf(error);
  const name = stringOrUndefined(shape.name);
  const networkCode = stringOrUndefined(shape.code);
  const httpStatusCode = typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : undefined;
  const requestId = stringOrUndefined(shape.$metadata?.requestId);
  const code = (name !== undefined && name !== 'Error' ? name : undefined) ?? networkCode ?? 'Unknown';
  const details: ProviderErrorDetails = {
    provider,
    code,
    ...(httpStatusCode === undefined ? {} : { httpStatusCode }),
    ...(requestId === undefined ? {} : { requestId }),
  };

  if (
    (name !== undefined && THROTTLING_CODES.has(name)) ||
    httpStatusCode === 429 ||
    shape.$retryable?.throttling === true
  ) {
    if (typeof shape.message === 'string' && DAILY_QUOTA_MESSAGE.test(shape.message)) return new ProviderQuotaExhaustedError(details, { cause: error });
    return new ProviderThrottledError(details, { cause: error });
  }
  if (httpStatusCode === undefined && networkCode !== undefined && NOT_SENT_NETWORK_CODES.has(networkCode)) {
    return new ProviderUnavailableError({ ...details, code: networkCode }, { cause: error });
  }
  if (httpStatusCode === undefined && isConnectTimeout(shape)) {
    return new ProviderUnavailableError({ ...details, code: 'ConnectTimeout' }, { cause: error });
  }
  const optedOut = RECIPIENT_OPTED_OUT[provider];
  if (optedOut !== undefined && name === optedOut.name && shape.Reason === optedOut.reason) {
    return new RecipientOptedOutError(details, { cause: error });
  }
  const isClientFault =
    (name !== undefined && DEFINITE_REJECTION_CODES.has(name)) ||
    (httpStatusCode !== undefined && httpStatusCode >= 400 && httpStatusCode < 500) ||
    (shape.$fault === 'client' && httpStatusCode !== undefined);
  if (isClientFault) return new ProviderRejectedError(details, { cause: error });
  return new ProviderUnknownOutcomeError(details, { cause: error });
}
