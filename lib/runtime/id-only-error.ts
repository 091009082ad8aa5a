/**
 * The error a Lambda function lets escape, in place of the one its code threw.
 *
 * What a handler throws is written out whole by others: the Lambda runtime logs its name, message,
 * stack and every enumerable field ("Invoke Error"), Step Functions keeps name, message and stack
 * as the failed Task's `Cause` in the execution history (and a `Catch` with a `ResultPath` carries
 * that Cause on in the state data), and an asynchronous invocation's dead-letter message gets the
 * message as its `ErrorMessage`. A provider's or the SDK's message may quote an address or a
 * number (SES's `MessageRejected` names the unverified recipient), and an SDK error's fields may
 * hold a stored item (`Item` of a failed condition).
 *
 * So the error that escapes keeps only what {@link loggableError} keeps: the name, which Step
 * Functions' `Retry` and `Catch` match (Lambda reports it as `errorType`), a message our own code
 * wrote, else one built from codes and ids, the stack's frames and the error's `code`. No cause,
 * no other field.
 */
import { loggableError, type LoggableError } from './loggable-error';

/** The facts that say what an error was when its message was not ours to repeat. */
function withheldMessage(facts: LoggableError): string {
  const said = [
    facts.provider,
    facts.code,
    facts.httpStatusCode === undefined ? undefined : `HTTP ${facts.httpStatusCode}`,
    facts.requestId === undefined ? undefined : `request ${facts.requestId}`,
  ].filter((fact): fact is string => fact !== undefined);
  return `${said.length === 0 ? facts.name : said.join(', ')} (the message is withheld: it may quote personal data)`;
}

/** Every frame of the stack, without the lines before them, which repeat the message. */
function framesOf(error: unknown): string[] {
  const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack : '';
  return stack.split('\n').filter((line) => line.trimStart().startsWith('at '));
}

/**
 * The error to throw out of a Lambda handler instead of `error`: same name (and `code`), a message
 * our code wrote or one of codes and ids only, the same stack frames; no cause, no other field.
 */
export function idOnlyError(error: unknown): Error {
  const facts = loggableError(error);
  const escaping = new Error(facts.message ?? withheldMessage(facts));
  escaping.name = facts.name;
  if (facts.code !== undefined) Object.assign(escaping, { code: facts.code });
  escaping.stack = [`${escaping.name}: ${escaping.message}`, ...framesOf(error)].join('\n');
  return escaping;
}
