/**
 * The input of every journey execution, as StartExecution gets it (ingest, the launch worker):
 * ids and instants only, never personal data, because Step Functions keeps it in the execution's
 * history and shows it in the console.
 *
 * Steps read it whole (`$$.Execution.Input`), never one field of it: in JSONPath `Parameters` a
 * path that does not resolve fails the state, and executions started before a field was added
 * run on without it.
 */
import * as z from '../schema/zod-mini';
import { CustomerIdSchema, InstantSchema } from '../customer/model';
import { JourneyIdSchema } from './identifiers';

/**
 * - `entryKey`: what caused the entry (event id, launch id…), as the execution name holds it;
 * - `enteredAt`: the entry's own instant: the entry event's time as its producer stamped it, or
 *   the launch time. Step Functions' clock (`$$.Execution.StartTime`) need not agree with the
 *   producer's, so this is what a goal check needs to tell the entry event from a later one (see
 *   `goalCountsAfter`). Absent in executions started before it was passed.
 * - `launched`: `true` when a launch entered the customer (an audience, a schedule, the inactivity
 *   scan), whose `enteredAt` is the launcher execution's start on Step Functions' own clock; absent
 *   for an entry by the customer's event (and in executions started before it was passed).
 */
export const JourneyExecutionInputSchema = z.object({
  customerId: CustomerIdSchema,
  journey: JourneyIdSchema,
  entryKey: z.string().check(z.minLength(1)),
  enteredAt: z.optional(InstantSchema),
  launched: z.optional(z.literal(true)),
});
export type JourneyExecutionInput = z.infer<typeof JourneyExecutionInputSchema>;

/**
 * What a step's goal check reads of the execution input (`entry` of the send and journeyEffects
 * payloads): its instant, and whether a launch entered it. The ids are dropped; the payload has its own.
 */
export const ExecutionEntrySchema = z.pick(JourneyExecutionInputSchema, { enteredAt: true, launched: true });
export type ExecutionEntry = z.infer<typeof ExecutionEntrySchema>;
