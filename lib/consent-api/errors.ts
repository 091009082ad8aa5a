/**
 * Errors of the consent API that become HTTP answers. Each carries the status it maps to; the
 * messages name fields, never values (a request may carry an address or a phone number).
 */

/** One problem in a request: where (`channels[1]`, `proof.consentTextVersion`) and what. */
export interface RequestIssue {
  readonly field: string;
  readonly message: string;
}

/** A request that does not match its schema: 400, naming the first offending field. Nothing was changed. */
export class RequestValidationError extends Error {
  readonly statusCode = 400;
  readonly issues: readonly RequestIssue[];
  /** The path of the first problem, e.g. `channels`. */
  readonly field: string;

  constructor(issues: readonly RequestIssue[], options?: { cause?: unknown }) {
    super(issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '), options);
    this.name = 'RequestValidationError';
    this.issues = issues;
    this.field = issues[0]?.field ?? '';
  }
}

/** Too many requests from one client for one route: 429, retry after `retryAfterSeconds`. */
export class RateLimitedError extends Error {
  readonly statusCode = 429;
  constructor(
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(`rate limit exceeded; retry after ${retryAfterSeconds} s`, options);
    this.name = 'RateLimitedError';
  }
}
