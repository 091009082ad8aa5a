/**
 * The journeyEffects function's contract: the one Lambda behind every journey step that is
 * neither a send nor a wait for an event. Input is the `Payload` of the Task's `lambda:invoke`
 * (ids, the step's own settings, never personal data); output is what the following state reads
 * (`$.effects.Payload.…`) — codes, numbers and instants only.
 *
 * | action       | does                                                           | answers                                    |
 * |--------------|----------------------------------------------------------------|--------------------------------------------|
 * | `bucket`     | hash bucket 0–99 of customer + journey + step (split, holdout) | `{ bucket }`                               |
 * | `branch`     | index of the first rule whose conditions all hold, else -1     | `{ match, goalReached }`                   |
 * | `waitUntil`  | the instant a local-time or date-attribute wait ends           | `{ until, beyondExecution?, datePassed? }` |
 * | `setStage`   | moves the customer to `stage`                                  | `{}`                                       |
 * | `goal`       | records the conversion (and moves to `stage` if given)         | `{}`                                       |
 * | `exit`       | records the exit and its `reason`                              | `{}`                                       |
 * | `sendFailed` | records that a send step failed after its retries (`error`)    | `{}`                                       |
 *
 * Recording actions are idempotent by (`execution`, `step`): Step Functions may run a Task twice.
 *
 * `branch`, `waitUntil`, `setStage` and `goal` with a `stage` read or change the customer's
 * records; when the customer is gone (erased) they fail with {@link CUSTOMER_NOT_FOUND_ERROR},
 * which the compiled Task catches to end the journey with the exit {@link UNKNOWN_CUSTOMER}.
 */
import * as z from '../schema/zod-mini';
import { CustomerIdSchema, InstantSchema, LifecycleStageSchema } from '../customer/model';
import {
  AttributeDateWaitSchema,
  ConditionSchema,
  EventNameSchema,
  JourneyIdSchema,
  LocalTimeWaitSchema,
  NodeIdSchema,
} from './format';
import { ExecutionEntrySchema } from './execution-input';
import { ExecutionNameSchema } from './send-contract';

/** The error name of a step that needs the customer's records when the customer does not exist. */
export const CUSTOMER_NOT_FOUND_ERROR = 'CustomerNotFoundError';

/**
 * The exit reason recorded when a step found the customer gone (erased during the journey), as
 * the send path records its skip: nothing is left to act on, so the journey ends there.
 */
export const UNKNOWN_CUSTOMER = 'unknown_customer';

const common = {
  customerId: CustomerIdSchema,
  journey: JourneyIdSchema,
  step: NodeIdSchema,
  execution: ExecutionNameSchema,
};

export const BucketInputSchema = z.object({ ...common, action: z.literal('bucket') });
export const BranchInputSchema = z.object({
  ...common,
  action: z.literal('branch'),
  rules: z.array(z.array(ConditionSchema).check(z.minLength(1))).check(z.minLength(1)),
  /** The goal check's fields, present when the journey has a goal: as the send step's (see send-contract.ts). */
  goal: z.optional(EventNameSchema),
  enteredAt: z.optional(InstantSchema),
  entry: z.optional(ExecutionEntrySchema),
});
export const WaitUntilInputSchema = z.object({
  ...common,
  action: z.literal('waitUntil'),
  wait: z.discriminatedUnion('kind', [LocalTimeWaitSchema, AttributeDateWaitSchema]),
  /**
   * When the execution started (date waits): a wait ending later than the execution may run is
   * answered `beyondExecution`. Absent in payloads of definitions compiled before it: no bound.
   */
  startedAt: z.optional(InstantSchema),
});
export const SetStageInputSchema = z.object({ ...common, action: z.literal('setStage'), stage: LifecycleStageSchema });
export const GoalInputSchema = z.object({
  ...common,
  action: z.literal('goal'),
  event: EventNameSchema,
  stage: z.optional(LifecycleStageSchema),
});
export const ExitInputSchema = z.object({ ...common, action: z.literal('exit'), reason: z.optional(z.string().check(z.minLength(1))) });
export const SendFailedInputSchema = z.object({ ...common, action: z.literal('sendFailed'), error: z.string().check(z.minLength(1)) });

export const JourneyEffectsInputSchema = z.discriminatedUnion('action', [
  BucketInputSchema,
  BranchInputSchema,
  WaitUntilInputSchema,
  SetStageInputSchema,
  GoalInputSchema,
  ExitInputSchema,
  SendFailedInputSchema,
]);
export type JourneyEffectsInput = z.infer<typeof JourneyEffectsInputSchema>;
export type JourneyEffectAction = JourneyEffectsInput['action'];

export const BucketOutputSchema = z.object({ bucket: z.number().check(z.int(), z.gte(0), z.lte(99)) });
export const BranchOutputSchema = z.object({ match: z.number().check(z.int(), z.gte(-1)), goalReached: z.boolean() });
export const WaitUntilOutputSchema = z.object({
  until: InstantSchema,
  /** True when `until` falls after the execution's year (less a day for the steps after the wait). */
  beyondExecution: z.optional(z.boolean()),
  /**
   * True when a date wait's day lies before today in the customer's zone (not for an annual
   * wait): what follows the wait was meant for a date ahead. Absent otherwise.
   */
  datePassed: z.optional(z.boolean()),
});
export const RecordedOutputSchema = z.object({});

/** The answer schema of each action. */
export const JOURNEY_EFFECTS_OUTPUT_SCHEMAS = {
  bucket: BucketOutputSchema,
  branch: BranchOutputSchema,
  waitUntil: WaitUntilOutputSchema,
  setStage: RecordedOutputSchema,
  goal: RecordedOutputSchema,
  exit: RecordedOutputSchema,
  sendFailed: RecordedOutputSchema,
} as const satisfies Record<JourneyEffectAction, z.core.$ZodType>;

/** The answer to an input of action `A`. */
export type JourneyEffectsOutput<A extends JourneyEffectAction = JourneyEffectAction> = z.infer<
  (typeof JOURNEY_EFFECTS_OUTPUT_SCHEMAS)[A]
>;
