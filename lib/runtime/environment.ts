/**
 * Reading a Lambda's environment once, at module load, through a schema: a missing or malformed
 * variable stops the function at cold start with a message naming the variable, instead of an
 * `undefined` surfacing deep inside a send.
 */
import * as z from '../schema/zod-mini';

/** Raised when the environment lacks a variable or holds a malformed one. */
export class EnvironmentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EnvironmentError';
  }
}

/** Parses `env` (default `process.env`) with `schema`. @throws EnvironmentError naming every bad variable. */
export function readEnvironment<Schema extends z.core.$ZodType>(
  schema: Schema,
  env: Readonly<Record<string, string | undefined>> = process.env,
): z.output<Schema> {
  const parsed = z.safeParse(schema, env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.')}: ${issue.message}`);
  throw new EnvironmentError(`Invalid environment: ${problems.join('; ')}`, { cause: parsed.error });
}
