/**
 * What a failed render says about itself: liquidjs's own message is not ours to repeat. It names
 * a missing variable by the path it evaluated, and a lookup whose key is a variable evaluates to
 * the customer's value (`friends[customer.attributes.referrer]` fails as
 * `undefined variable: friends.carol@example.net`); a filter's error may quote its input. The
 * reason names the kind of failure, what the template says where it failed (its source, which we
 * wrote) and where; a missing variable keeps its name when the template's source spells it.
 * TemplateRenderError travels into logs and, as a failed Task's Cause, into execution histories.
 */
import { LiquidError } from 'liquidjs';

const UNDEFINED_VARIABLE = /^undefined variable: ([^,]+)/;

/** The innermost liquidjs error of `error`'s chain (a render error wraps the one that failed). */
function innermost(error: LiquidError): LiquidError {
  const original = error.originalError;
  return original !== undefined && LiquidError.is(original) ? innermost(original) : error;
}

/** The reason a render failed, from the template's own words and positions only (see the module comment). */
export function renderFailureReason(error: unknown): string {
  if (!LiquidError.is(error)) return error instanceof Error ? `${error.name} while rendering` : 'a non-error was thrown while rendering';
  const failed = innermost(error);
  const source = failed.token.getText().replace(/\s+/g, ' ').trim();
  const [line, col] = failed.token.getPosition();
  const where = `line ${String(line)}, col ${String(col)}`;
  const variable = UNDEFINED_VARIABLE.exec(failed.message)?.[1];
  if (variable !== undefined) return source.includes(variable) ? `undefined variable: ${variable}, ${where}` : `undefined variable in ${source}, ${where}`;
  return `${failed.name} in ${source}, ${where}`;
}
