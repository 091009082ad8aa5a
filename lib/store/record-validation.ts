/** Turns zod failures into InvalidRecordError with field paths such as `profile.address.country`. */
import * as z from '../schema/zod-mini';
import { InvalidRecordError, type RecordIssue } from './errors';

/**
 * Parses `input` with `schema`, or throws InvalidRecordError whose paths start with `label`
 * (`profile` + `["timezone"]` → `profile.timezone`). `context` prefixes the message
 * (used for stored items, to say which one is malformed).
 */
export function parseRecord<Schema extends z.core.$ZodType>(
  schema: Schema,
  input: unknown,
  label: string,
  context?: string,
): z.output<Schema> {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  const issues: RecordIssue[] = result.error.issues.map((issue) => ({
    path: formatPath(label, issue.path),
    message: issue.message,
  }));
  throw new InvalidRecordError(issues, { context, cause: result.error });
}

/** `label` followed by `.name` for keys and `[3]` for indexes. */
export function formatPath(label: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, part) => (typeof part === 'number' ? `${text}[${part}]` : `${text}.${String(part)}`),
    label,
  );
}
