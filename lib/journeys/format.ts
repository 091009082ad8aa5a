/**
 * The journey format: what a marketer's journey is, as plain JSON-serializable data.
 *
 * One zod schema per element is both the validator (for inline journeys in scenario files, and
 * for everything the builder produces) and the TypeScript type. A journey is an entry node plus a
 * list of nodes, each tagged with `type` and an `id`; transitions name node ids (`next`,
 * `timeoutNext`, …), so the graph is flat data that diffs well and compiles node by node.
 *
 * Semantic rules that need the whole graph or the disk (unknown references, unreachable nodes,
 * loops without a wait, missing templates) live in `validate.ts`.
 */
import * as z from '../schema/zod-mini';
import { ChannelSchema, LifecycleStageSchema, TimeOfDaySchema, TopicSchema } from '../customer/model';
import { ConditionSchema } from './conditions';
import { ReEntrySchema, TriggerSchema } from './entry';
import { DAY_SECONDS, EXECUTION_WAIT_LIMIT_DAYS } from './execution-limits';
import { AttributeNameSchema, EventNameSchema, JourneyIdSchema, NodeIdSchema, TemplateIdSchema, type NodeId } from './identifiers';

export { ReEntrySchema, TriggerSchema, type ReEntry, type Trigger } from './entry';

export {
  AttributeConditionSchema,
  ChangedWithinConditionSchema,
  ConditionSchema,
  EventWithinConditionSchema,
  StageConditionSchema,
  TouchpointWithinConditionSchema,
  type AttributeOp,
  type Condition,
} from './conditions';

export {
  AttributeNameSchema,
  EventNameSchema,
  JourneyIdSchema,
  NodeIdSchema,
  TemplateIdSchema,
  type EventName,
  type JourneyId,
  type NodeId,
} from './identifiers';

/** The version of this format; bumped on any change that old journeys would not survive. */
export const FORMAT_VERSION = 1;

/**
 * Step Functions runs an execution for at most a year, and the steps after a wait need time too:
 * no single span may be longer than an execution may wait (the validator also sums them along
 * every path, see `journey-time.ts`).
 */
const MAX_DURATION_SECONDS = EXECUTION_WAIT_LIMIT_DAYS * DAY_SECONDS;

const DurationPartsSchema = z.strictObject({
  days: z.optional(z.number().check(z.int(), z.gte(0))),
  hours: z.optional(z.number().check(z.int(), z.gte(0))),
  minutes: z.optional(z.number().check(z.int(), z.gte(0))),
});

/** A span of time. At least one part is positive; the total is at most 364 days. */
export const DurationSchema = DurationPartsSchema.check(
  z.refine((d) => durationSeconds(d) > 0, 'must be longer than zero, e.g. { "days": 7 }'),
  z.refine((d) => durationSeconds(d) <= MAX_DURATION_SECONDS, `must be at most ${EXECUTION_WAIT_LIMIT_DAYS} days (Step Functions ends an execution after a year, and the steps after the wait need a day)`),
);
export type Duration = z.infer<typeof DurationSchema>;

/** The length of a duration in seconds. */
export function durationSeconds(duration: z.infer<typeof DurationPartsSchema>): number {
  return ((duration.days ?? 0) * 24 * 60 + (duration.hours ?? 0) * 60 + (duration.minutes ?? 0)) * 60;
}

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const WeekdaySchema = z.enum(WEEKDAYS);
export type Weekday = z.infer<typeof WeekdaySchema>;

// ---------------------------------------------------------------------------------------------
// Entry

/** Where the journey starts; compiles to no state of its own (`StartAt` is its `next`). */
export const EntryNodeSchema = z.strictObject({
  type: z.literal('entry'),
  id: NodeIdSchema,
  trigger: TriggerSchema,
  reEntry: ReEntrySchema,
  next: NodeIdSchema,
});
export type EntryNode = z.infer<typeof EntryNodeSchema>;

// ---------------------------------------------------------------------------------------------
// Waits

/** Wait a fixed span of time. */
export const DurationWaitSchema = z.strictObject({ kind: z.literal('duration'), duration: DurationSchema });

/**
 * Wait until the next local `time` (and/or one of `weekdays`) in the customer's time zone.
 * With only `weekdays`, a matching day ends the wait at once, otherwise it ends at the start of
 * the next matching day.
 */
export const LocalTimeWaitSchema = z
  .strictObject({
    kind: z.literal('localTime'),
    time: z.optional(TimeOfDaySchema),
    weekdays: z.optional(
      z
        .array(WeekdaySchema)
        .check(z.minLength(1), z.refine((list) => new Set(list).size === list.length, 'must not repeat a weekday')),
    ),
  })
  .check(z.refine((wait) => wait.time !== undefined || wait.weekdays !== undefined, 'needs a time, weekdays or both'));
export type LocalTimeWait = z.infer<typeof LocalTimeWaitSchema>;

/**
 * Wait until the date held by `attribute` (a `YYYY-MM-DD` date or an instant, read as a date in
 * the customer's zone), moved by `offsetDays` (negative = before), at local `time` (default
 * 09:00). `annual` waits for the next anniversary (birthdays). A missing or unreadable date does
 * not wait; branch on `exists` first where that matters. A date whose day has passed ends the
 * journey with the exit `date_passed` (what follows was meant for a date ahead), and one beyond
 * the execution's year with `date_beyond_execution`.
 */
export const AttributeDateWaitSchema = z.strictObject({
  kind: z.literal('attributeDate'),
  attribute: AttributeNameSchema,
  offsetDays: z.optional(z.number().check(z.int(), z.gte(-365), z.lte(365))),
  time: z.optional(TimeOfDaySchema),
  annual: z.optional(z.boolean()),
});
export type AttributeDateWait = z.infer<typeof AttributeDateWaitSchema>;

export const WaitSpecSchema = z.discriminatedUnion('kind', [DurationWaitSchema, LocalTimeWaitSchema, AttributeDateWaitSchema]);
export type WaitSpec = z.infer<typeof WaitSpecSchema>;

/** A wait computed from the customer's data (zone, attributes) by the journeyEffects function. */
export type ComputedWait = LocalTimeWait | AttributeDateWait;

// ---------------------------------------------------------------------------------------------
// Nodes

/** Send one message through the permission gate: the first allowed channel in order wins. */
export const SendNodeSchema = z.strictObject({
  type: z.literal('send'),
  id: NodeIdSchema,
  templateId: TemplateIdSchema,
  /** A consent topic, or `transactional` for messages that need no marketing consent. */
  topic: TopicSchema,
  channels: z
    .array(ChannelSchema)
    .check(z.minLength(1), z.refine((list) => new Set(list).size === list.length, 'must not repeat a channel')),
  /**
   * A follow-up of these earlier send steps: it sends only when one of them sent a message in the
   * same execution, and is skipped as `nothing_to_follow_up` otherwise (a suggestion kept back by
   * the frequency cap gets no "still thinking about it?" a week later).
   */
  followUpOf: z.optional(
    z.array(NodeIdSchema).check(z.minLength(1), z.refine((list) => new Set(list).size === list.length, 'must not repeat a step')),
  ),
  next: NodeIdSchema,
});
export type SendNode = z.infer<typeof SendNodeSchema>;

export const WaitNodeSchema = z.strictObject({ type: z.literal('wait'), id: NodeIdSchema, wait: WaitSpecSchema, next: NodeIdSchema });
export type WaitNode = z.infer<typeof WaitNodeSchema>;

const MISSING_TIMEOUT =
  'missing; every waitForEvent needs a timeout (e.g. "timeout": { "days": 7 }) and a timeoutNext for when the event does not come';

const WaitForEventNodeFieldsSchema = z
  .strictObject({
    type: z.literal('waitForEvent'),
    id: NodeIdSchema,
    event: EventNameSchema,
    // Optional only so that a missing one gets the message with the fix instead of "Required".
    timeout: z.optional(DurationSchema),
    next: NodeIdSchema,
    timeoutNext: z.optional(NodeIdSchema),
  })
  .check(
    z.superRefine((node, ctx) => {
      if (node.timeout === undefined) ctx.addIssue({ code: 'custom', path: ['timeout'], message: MISSING_TIMEOUT });
      else if (node.timeoutNext === undefined) ctx.addIssue({ code: 'custom', path: ['timeoutNext'], message: MISSING_TIMEOUT });
    }),
  );

/** Wait for a customer event; `next` when it arrives, `timeoutNext` when `timeout` passes first. */
export const WaitForEventNodeSchema = z.pipe(
  WaitForEventNodeFieldsSchema,
  z.transform(({ timeout, timeoutNext, ...node }: z.output<typeof WaitForEventNodeFieldsSchema>) => ({
    ...node,
    // Present: the refinement above rejects the node otherwise.
    timeout: timeout as Duration,
    timeoutNext: timeoutNext as NodeId,
  })),
);
export type WaitForEventNode = z.infer<typeof WaitForEventNodeSchema>;

/** One rule of a branch: all conditions hold. */
export const BranchRuleSchema = z.strictObject({ when: z.array(ConditionSchema).check(z.minLength(1)), next: NodeIdSchema });
export type BranchRule = z.infer<typeof BranchRuleSchema>;

/** The first rule whose conditions all hold wins; otherwise `otherwise`. */
export const BranchNodeSchema = z.strictObject({
  type: z.literal('branch'),
  id: NodeIdSchema,
  rules: z.array(BranchRuleSchema).check(z.minLength(1)),
  otherwise: NodeIdSchema,
});
export type BranchNode = z.infer<typeof BranchNodeSchema>;

/**
 * A random split, deterministic by customer, journey and node (a hash bucket 0–99), so a rerun
 * puts every customer in the same arm. Percentages add up to 100.
 */
export const SplitNodeSchema = z.strictObject({
  type: z.literal('split'),
  id: NodeIdSchema,
  arms: z
    .array(z.strictObject({ percentage: z.number().check(z.int(), z.gte(1), z.lte(99)), next: NodeIdSchema }))
    .check(
      z.minLength(2),
      z.refine((arms) => arms.reduce((sum, arm) => sum + arm.percentage, 0) === 100, 'percentages must add up to 100'),
    ),
});
export type SplitNode = z.infer<typeof SplitNodeSchema>;

/** A holdout group (deterministic like a split): `percentage`% go to `holdoutNext`, the rest to `next`. */
export const HoldoutNodeSchema = z.strictObject({
  type: z.literal('holdout'),
  id: NodeIdSchema,
  percentage: z.number().check(z.int(), z.gte(1), z.lte(50)),
  holdoutNext: NodeIdSchema,
  next: NodeIdSchema,
});
export type HoldoutNode = z.infer<typeof HoldoutNodeSchema>;

export const SetStageNodeSchema = z.strictObject({ type: z.literal('setStage'), id: NodeIdSchema, stage: LifecycleStageSchema, next: NodeIdSchema });
export type SetStageNode = z.infer<typeof SetStageNodeSchema>;

/**
 * The journey's goal: when `event` happens after the customer entered, the journey ends here as
 * converted (optionally moving the customer to `stage`). Checked between steps — by every send
 * step and every branch — and reached directly by any `next` that names it.
 */
export const GoalNodeSchema = z.strictObject({
  type: z.literal('goal'),
  id: NodeIdSchema,
  event: EventNameSchema,
  stage: z.optional(LifecycleStageSchema),
});
export type GoalNode = z.infer<typeof GoalNodeSchema>;

/** The journey ends here; `reason` is recorded (e.g. `holdout`, `completed`). */
export const ExitNodeSchema = z.strictObject({
  type: z.literal('exit'),
  id: NodeIdSchema,
  reason: z.optional(z.string().check(z.regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be a short lower-case word'))),
});
export type ExitNode = z.infer<typeof ExitNodeSchema>;

export const NodeSchema = z.discriminatedUnion('type', [
  SendNodeSchema,
  WaitNodeSchema,
  WaitForEventNodeSchema,
  BranchNodeSchema,
  SplitNodeSchema,
  HoldoutNodeSchema,
  SetStageNodeSchema,
  GoalNodeSchema,
  ExitNodeSchema,
]);
export type JourneyNode = z.infer<typeof NodeSchema>;
export type NodeType = JourneyNode['type'];

/** A journey: its entry and its nodes. */
export const JourneySchema = z.strictObject({
  formatVersion: z.literal(FORMAT_VERSION),
  id: JourneyIdSchema,
  name: z.string().check(z.minLength(1), z.maxLength(120)),
  description: z.optional(z.string().check(z.maxLength(2000))),
  entry: EntryNodeSchema,
  nodes: z.array(NodeSchema).check(z.minLength(1)),
});
export type Journey = z.infer<typeof JourneySchema>;
/** What a journey looks like before parsing (what the builder writes and JSON files hold). */
export type JourneyInput = z.input<typeof JourneySchema>;

/** The node ids a node may continue to, with the field that names each. */
export function successors(node: JourneyNode | EntryNode): { field: string; target: NodeId }[] {
  switch (node.type) {
    case 'entry':
    case 'send':
    case 'wait':
    case 'setStage':
      return [{ field: 'next', target: node.next }];
    case 'waitForEvent':
      return [
        { field: 'next', target: node.next },
        { field: 'timeoutNext', target: node.timeoutNext },
      ];
    case 'branch':
      return [
        ...node.rules.map((rule, index) => ({ field: `rules[${index}].next`, target: rule.next })),
        { field: 'otherwise', target: node.otherwise },
      ];
    case 'split':
      return node.arms.map((arm, index) => ({ field: `arms[${index}].next`, target: arm.next }));
    case 'holdout':
      return [
        { field: 'holdoutNext', target: node.holdoutNext },
        { field: 'next', target: node.next },
      ];
    case 'goal':
    case 'exit':
      return [];
  }
}
