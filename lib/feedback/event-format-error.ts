/**
 * A delivery-feedback event that is not shaped as its provider publishes it. Retrying cannot help,
 * so the handler lets it fail to the dead-letter queue. The message names the fields, never their
 * values (they may hold addresses or numbers).
 */
export class FeedbackEventFormatError extends Error {
  constructor(
    /** Which provider's events: `SES`, `SMS`. */
    provider: string,
    readonly fields: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`${provider} event is malformed at ${fields.join(', ') || '(root)'}`, options);
    this.name = 'FeedbackEventFormatError';
  }
}
