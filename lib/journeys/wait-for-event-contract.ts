/**
 * What a journey's waitForEvent step hands the waitForEvent function. The function stores
 * `taskToken` keyed by customer, event and execution; the ingest function later resumes the
 * execution with `SendTaskSuccess` when the event arrives. An event ingested after the wait
 * began but before the token was stored is caught by the function itself: it resumes the
 * execution when the customer's latest such event happened at or after `waitStartedAt`, and after
 * the entry's own instant (see lib/ingest/event-wait.ts). When the timeout passes first, Step Functions fails the Task with
 * `States.Timeout` and the journey takes its `timeoutNext` (a later `SendTaskSuccess` on that
 * token gets `TaskTimedOut` and is ignored).
 */
import * as z from 'zod';
import { CustomerIdSchema, InstantSchema } from '../customer/model';
import { ExecutionEntrySchema } from './execution-input';
import { EventNameSchema, JourneyIdSchema, NodeIdSchema } from './identifiers';
import { ExecutionNameSchema } from './send-contract';

/** The waitForEvent function's input (the `Payload` of the `.waitForTaskToken` Task). */
export const WaitForEventPayloadSchema = z.object({
  customerId: CustomerIdSchema,
  journey: JourneyIdSchema,
  step: NodeIdSchema,
  execution: ExecutionNameSchema,
  event: EventNameSchema,
  taskToken: z.string().min(1),
  /** When the wait ends without the event, so the token store can expire the token. */
  timeoutSeconds: z.number().int().min(1),
  /**
   * When the execution entered the wait step (`$$.State.EnteredTime`): only an event that
   * happened at or after it ends the wait. Absent from executions that started on a definition
   * compiled before the field existed (Step Functions keeps running them on their own version);
   * their waits resume on any event, as they did then.
   */
  waitStartedAt: z.optional(InstantSchema),
  /**
   * The execution input (`$$.Execution.Input`, whole: a path to one of its fields would fail the
   * state in executions started without it), whose `enteredAt` is the entry's own instant. The
   * producer's clock may run ahead of Step Functions', so the event that entered the journey can
   * be dated after the wait began: a wait for that same event ends only on one strictly after the
   * entry (as goalCountsAfter rules for goals), never on the entry itself or a redelivery of it.
   * Absent, or without `enteredAt`, in executions started before either was passed.
   */
  entry: z.optional(ExecutionEntrySchema),
});
export type WaitForEventPayload = z.infer<typeof WaitForEventPayloadSchema>;

/**
 * The error name Step Functions gives a Task that outlives its `TimeoutSeconds`; the
 * waitForEvent Task catches it. Local handlers throw an error with this name to take the
 * timeout branch.
 */
export const TASK_TIMEOUT_ERROR = 'States.Timeout';
