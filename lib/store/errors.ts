/**
 * Errors of the customer store. Every one is a CustomerStoreError; messages carry ids and field
 * paths, never personal data.
 */
import type { SendStatus } from './records';

/** Base class of every error the customer store throws. */
export class CustomerStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CustomerStoreError';
  }
}

/**
 * Runs `work`, turning any failure that is not already the store's (the table throttled or
 * unreachable, an SDK error) into a CustomerStoreError saying what failed, for the retries that
 * match that name.
 */
export async function guarded<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CustomerStoreError) throw error;
    throw new CustomerStoreError(`${what} failed`, { cause: error });
  }
}

/** One problem found in a record: where (`profile.timezone`) and what. */
export interface RecordIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * A record that does not match its schema, on write (nothing was written) or on read (a stored
 * item is malformed). The message names each field: `profile.timezone: unknown time zone "Mars/Base"`.
 */
export class InvalidRecordError extends CustomerStoreError {
  /** Every problem found, in schema order. */
  readonly issues: readonly RecordIssue[];
  /** The path of the first problem, e.g. `profile.timezone`. */
  readonly field: string;

  constructor(issues: readonly RecordIssue[], options?: { context?: string; cause?: unknown }) {
    const described = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    super(options?.context ? `${options.context}: ${described}` : described, { cause: options?.cause });
    this.name = 'InvalidRecordError';
    this.issues = issues;
    this.field = issues[0]?.path ?? '';
  }
}

/** No profile is stored for the customer. */
export class CustomerNotFoundError extends CustomerStoreError {
  constructor(
    readonly customerId: string,
    options?: { cause?: unknown },
  ) {
    super(`customer ${customerId} has no profile`, options);
    this.name = 'CustomerNotFoundError';
  }
}

/** No send-ledger entry exists for the idempotency key. */
export class SendEntryNotFoundError extends CustomerStoreError {
  constructor(
    readonly customerId: string,
    readonly idempotencyKey: string,
    options?: { cause?: unknown },
  ) {
    super(`customer ${customerId} has no send-ledger entry ${idempotencyKey}`, options);
    this.name = 'SendEntryNotFoundError';
  }
}

/** A send-ledger entry cannot move to the requested status (e.g. `sent` → `failed`). */
export class SendTransitionError extends CustomerStoreError {
  constructor(
    readonly customerId: string,
    readonly idempotencyKey: string,
    readonly from: SendStatus,
    readonly to: SendStatus,
    options?: { cause?: unknown },
  ) {
    super(`send-ledger entry ${idempotencyKey} of customer ${customerId} cannot go from ${from} to ${to}`, options);
    this.name = 'SendTransitionError';
  }
}

/** Concurrent writers kept winning; the write was given up after a bounded number of attempts. */
export class StoreContentionError extends CustomerStoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreContentionError';
  }
}

/**
 * The store's errors a caller may retry later: the table failed (throttled, unreachable: the
 * base class, as the store wraps every AWS error) or concurrent writers kept winning. Not the
 * others, which a retry would meet again (a malformed record, a missing customer or entry).
 */
export const RETRYABLE_STORE_ERRORS = ['CustomerStoreError', 'StoreContentionError'] as const;
