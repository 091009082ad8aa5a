/**
 * zod/mini, with zod's English error messages: the schemas on the send function's path, the
 * consent API's (its requests, environment and the phone index), the journey format and the
 * journeyEffects contract, inbound texts (their SNS records and the sms-inbound environment), task
 * tokens, customer events (what ingest reads), and the journey routes and environments the
 * ingest, launcher and inactivity-scan functions read.
 *
 * The Lambda that sends is the one whose cold start a customer waits behind, and zod's full API
 * costs it most: every classic schema carries some forty methods, set on each instance as it is
 * built, and the whole API is bundled with the first classic schema. zod/mini has the same
 * validators as functions (`z.optional(s)`, `s.check(z.minLength(1))`), so a bundle keeps only
 * those it calls. Mini schemas are plain zod core schemas, so the rest of the code base (classic
 * zod) composes them freely: `z.object({ id: CustomerIdSchema })`, `z.optional(TopicSchema)`.
 * Their own `.parse` throws `$ZodError`; where the error's name is seen (a Task's failure), parse
 * with classic zod's `parse(schema, input)`, which throws `ZodError`.
 *
 * zod/mini leaves message locales to the application; without one every issue reads
 * "Invalid input". Importing this module configures English, as classic zod does for itself.
 * Import it as a namespace (`import * as z from '…/schema/zod-mini'`) so esbuild keeps only the
 * members used.
 */
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());

export * from 'zod/mini';
