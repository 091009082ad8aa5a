/**
 * The names a journey is made of (journey, node, event, attribute, template ids), apart from the
 * rest of the journey format so that the Lambda contracts can check them without building the
 * format's hundred-odd schemas at every cold start.
 */
import * as z from '../schema/zod-mini';

/** Journey ids travel in execution names, so they are short and plain. */
export const JourneyIdSchema = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be 1–32 lower-case letters, digits or "-", starting with a letter'));
export type JourneyId = z.infer<typeof JourneyIdSchema>;

/**
 * Node ids become Step Functions state names (with suffixes such as `.defer`), which operators
 * read in the console, so they are kebab-case and short enough for the 80-character limit.
 */
export const NodeIdSchema = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9-]{0,47}$/, 'must be 1–48 lower-case letters, digits or "-", starting with a letter'));
export type NodeId = z.infer<typeof NodeIdSchema>;

/** A customer event name as it arrives on the bus: `signed_up`, `order_placed`… */
export const EventNameSchema = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be lower-case letters, digits or "_", starting with a letter'));
export type EventName = z.infer<typeof EventNameSchema>;

/** A customer attribute name: `tier`, `interests`, `renewal_date`, `lastEvent.order_placed`… */
export const AttributeNameSchema = z
  .string()
  .check(z.regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/, 'must be 1–64 letters, digits, "_", ".", ":" or "-"'));

/**
 * A template folder name under `workflows/templates/`: the rule of `lib/templates`, restated so
 * that the format (which Lambdas load) does not load the template engine.
 */
export const TemplateIdSchema = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits or "-", starting with a letter'));
