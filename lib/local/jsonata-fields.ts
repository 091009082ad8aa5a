/**
 * The fields of a JSONata state as Step Functions evaluates them, for the state the local runtime
 * runs itself: the launcher's Distributed Map (see launcher.ts), whose ItemReader arguments,
 * ItemSelector and BatchInput come from the synthesized template as they are.
 *
 * A field is JSON in which a string written `{% expression %}` is a JSONata expression, evaluated
 * with `$states` bound (`$states.input`, `$states.context`); any other string, number, boolean or
 * null is itself, and objects and arrays are evaluated member by member. An expression that
 * returns nothing (undefined) or throws fails the state with `States.QueryEvaluationError`, as
 * in AWS.
 *
 * Step Functions implements JSONata 2.0.6; this is the jsonata package the lockfile pins (2.2.2),
 * whose path, `$exists` and conditional operators the launcher's expressions use unchanged.
 */
import jsonata from 'jsonata';

/** `$states` of an expression: the state's input and the context object. */
export interface StatesVariable {
  readonly input: unknown;
  readonly context: Readonly<Record<string, unknown>>;
}

/** A compiled field: evaluates to the field's JSON value for one `$states`. */
export type JsonataField = (states: StatesVariable) => Promise<unknown>;

/**
 * Raised when an expression of a JSONata field throws or returns nothing; named as the error
 * Step Functions fails the state with, so the execution records that name.
 */
export class QueryEvaluationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'States.QueryEvaluationError';
  }
}

/** Raised when a field holds an expression that is not JSONata: the template cannot be run. */
export class JsonataSyntaxError extends Error {
  constructor(
    readonly location: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`the JSONata expression of the field '${location}' does not parse: ${message}`, options);
    this.name = 'JsonataSyntaxError';
  }
}

const EXPRESSION = /^\{%([\s\S]*)%\}$/;

/** The message of a jsonata error (a plain object with `code` and `message`) or of anything thrown. */
function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/**
 * Compiles `value`, a field of a JSONata state named `location` (`ItemSelector.customerId`), once;
 * the result evaluates it as often as needed. @throws JsonataSyntaxError for an expression that
 * does not parse
 */
export function compileJsonataField(value: unknown, location: string): JsonataField {
  if (typeof value === 'string') {
    const source = EXPRESSION.exec(value)?.[1]?.trim();
    if (source === undefined) return () => Promise.resolve(value);
    let expression: jsonata.Expression;
    try {
      expression = jsonata(source);
    } catch (error) {
      throw new JsonataSyntaxError(location, messageOf(error), { cause: error });
    }
    return async (states) => {
      let result: unknown;
      try {
        result = await expression.evaluate(undefined, { states });
      } catch (error) {
        throw new QueryEvaluationError(`The JSONata expression '${source}' specified for the field '${location}' threw an error: ${messageOf(error)}`, { cause: error });
      }
      if (result === undefined) throw new QueryEvaluationError(`The JSONata expression '${source}' specified for the field '${location}' returned nothing (undefined).`);
      return result;
    };
  }
  if (Array.isArray(value)) {
    const items = value.map((item, index) => compileJsonataField(item, `${location}[${index}]`));
    return (states) => Promise.all(items.map((item) => item(states)));
  }
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(([name, member]) => [name, compileJsonataField(member, `${location}.${name}`)] as const);
    return async (states) => {
      const object: Record<string, unknown> = {};
      for (const [name, member] of members) object[name] = await member(states);
      return object;
    };
  }
  return () => Promise.resolve(value);
}
