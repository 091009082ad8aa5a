/**
 * What may be logged about an error: its name, codes, HTTP status and request ids, and the
 * messages Overture writes itself — never a provider's or the AWS SDK's own words.
 *
 * Providers quote what they refuse: SES's `MessageRejected` names the unverified address, SMS
 * errors the number. Our provider errors keep the SDK error as `cause`, and a logger that prints
 * an error whole (Powertools' `formatError`, `console.error`) prints the cause chain and every
 * enumerable field with it (`Item` of a conditional check, say). Every place that logs an error
 * logs {@link loggableError} of it instead.
 *
 * The rule: a message is kept only when it was written by our code (errors raised here carry ids,
 * field paths and codes, never values); the message and the stack's first line, which repeats it,
 * are dropped for an AWS SDK error (it has `$metadata`), for anything below a `ProviderError` in a
 * cause chain (what the provider or the socket said), for a `SyntaxError` (the engine's parsers
 * quote what they were given: `JSON.parse` of an SMS event quotes its number and text), and for a
 * thrown value that is not an Error.
 * Other fields are copied only from a fixed list of ids and codes.
 */
import { ProviderError } from '../channels/errors';

/** The loggable facts of one error, and of its cause. */
export interface LoggableError {
  readonly name: string;
  /** Present only for messages our code wrote. */
  readonly message?: string;
  /** The provider's or the SDK's error code (`MessageRejected`, `ECONNRESET`). */
  readonly code?: string;
  readonly provider?: string;
  /** The HTTP status a provider or AWS answered with. */
  readonly httpStatusCode?: number;
  /** The HTTP status the error maps to in our API. */
  readonly statusCode?: number;
  /** The provider's or AWS's request id, for a support case. */
  readonly requestId?: string;
  /** `client` or `server`, as the AWS SDK classifies its errors. */
  readonly fault?: string;
  /** A DynamoDB transaction's cancellation reason codes, in item order. */
  readonly cancellationReasons?: readonly string[];
  /** Field paths our validation errors name (never the values). */
  readonly field?: string;
  readonly fields?: readonly string[];
  readonly customerId?: string;
  /** The stack's frames, without its first line (which repeats the message). */
  readonly stack?: readonly string[];
  readonly cause?: LoggableError;
}

/** Deep cause chains are cut: the first few links say what happened. */
const MAX_CAUSE_DEPTH = 4;
const MAX_STACK_FRAMES = 8;

interface ErrorFields {
  code?: unknown;
  provider?: unknown;
  httpStatusCode?: unknown;
  statusCode?: unknown;
  requestId?: unknown;
  field?: unknown;
  fields?: unknown;
  customerId?: unknown;
  CancellationReasons?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function whole(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

function reasonCodes(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map((reason: unknown) => text((reason as { Code?: unknown } | null)?.Code) ?? 'None');
}

function frames(stack: unknown): string[] | undefined {
  if (typeof stack !== 'string') return undefined;
  const found = stack.split('\n').filter((line) => line.trimStart().startsWith('at ')).slice(0, MAX_STACK_FRAMES);
  return found.length === 0 ? undefined : found.map((line) => line.trim());
}

/** Drops the keys whose value is undefined, so log lines stay short. */
function defined<T extends object>(facts: T): T {
  return Object.fromEntries(Object.entries(facts).filter(([, value]) => value !== undefined)) as T;
}

function describe(error: unknown, fromProvider: boolean, depth: number): LoggableError {
  if (!(error instanceof Error)) return { name: typeof error === 'object' && error !== null ? 'NonErrorObject' : `Non-error ${typeof error}` };
  const fields = error as ErrorFields;
  const fromSdk = typeof fields.$metadata === 'object' && fields.$metadata !== null;
  const ours = !fromProvider && !fromSdk && !(error instanceof SyntaxError);
  const cause = depth < MAX_CAUSE_DEPTH && error.cause !== undefined
    ? describe(error.cause, fromProvider || error instanceof ProviderError, depth + 1)
    : undefined;
  return defined<LoggableError>({
    name: error.name,
    message: ours ? error.message : undefined,
    code: text(fields.code) ?? (fromSdk ? error.name : undefined),
    provider: text(fields.provider),
    httpStatusCode: whole(fields.httpStatusCode) ?? whole(fields.$metadata?.httpStatusCode),
    statusCode: whole(fields.statusCode),
    requestId: text(fields.requestId) ?? text(fields.$metadata?.requestId),
    fault: text(fields.$fault),
    cancellationReasons: reasonCodes(fields.CancellationReasons),
    field: ours ? text(fields.field) : undefined,
    fields: ours && Array.isArray(fields.fields) ? fields.fields.filter((path): path is string => typeof path === 'string') : undefined,
    customerId: ours ? text(fields.customerId) : undefined,
    stack: depth === 0 ? frames(error.stack) : undefined,
    cause,
  });
}

/**
 * The facts about `error` that may go into a log line (see the module comment); pass the result,
 * never the error itself: `logger.error('…', { error: loggableError(error) })`.
 */
export function loggableError(error: unknown): LoggableError {
  return describe(error, false, 0);
}
