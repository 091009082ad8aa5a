/**
 * Why a link token was refused. The HTTP endpoints map every one of these to a 4xx and change
 * nothing; none of them says whether the customer exists.
 */

/** Base of the token failures. */
export abstract class TokenError extends Error {}

/** Not a token we issued: malformed, tampered with, signed with another secret, or with claims we do not understand. */
export class TokenInvalidError extends TokenError {
  constructor(reason: string, options: { cause?: unknown } = {}) {
    super(`link token is invalid: ${reason}`, options);
    this.name = 'TokenInvalidError';
  }
}

/** A genuine token past its expiry. */
export class TokenExpiredError extends TokenError {
  readonly expiredAt: Date;
  constructor(expiredAt: Date) {
    super(`link token expired at ${expiredAt.toISOString()}`);
    this.name = 'TokenExpiredError';
    this.expiredAt = expiredAt;
  }
}

/** A genuine token issued for another purpose (a preferences link used to unsubscribe, say). */
export class TokenPurposeError extends TokenError {
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string) {
    super(`link token was issued for "${actual}", not "${expected}"`);
    this.name = 'TokenPurposeError';
    this.expected = expected;
    this.actual = actual;
  }
}

/** The signing secret or the link base URL from configuration cannot be used safely. */
export class LinkConfigurationError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'LinkConfigurationError';
  }
}
