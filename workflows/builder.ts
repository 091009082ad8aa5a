/**
 * A small functional API for writing journeys in TypeScript. It produces the journey format
 * (`lib/journeys/format.ts`) — never ASL — and leaves checking to `validateJourney`, which the
 * compiler runs at synth.
 *
 * A journey is a sequence of steps. Each step continues with the one after it; steps that fork
 * (waitForEvent, branch, split, holdout) take arms, each either a nested sequence of steps —
 * which rejoins the outer sequence after the forking step unless it ends in `exit`, `goTo` or
 * `reachGoal` — or a jump (`goTo(id)`, `reachGoal()`). A sequence that runs off the end of the
 * journey exits at an `end` exit node, added when needed; no step may take its id, nor the goal's.
 *
 * ```ts
 * defineJourney({
 *   id: 'welcome', name: 'Welcome',
 *   entry: onEvent(['signed_up'], reEntry.never),
 *   goal: { event: 'order_placed' },
 *   steps: [
 *     send('welcome-email', { template: 'welcome', topic: 'transactional', channels: ['email'] }),
 *     wait('settle-in', days(2)),
 *     waitForEvent('first-order', { event: 'order_placed', timeout: days(7), onEvent: reachGoal(), onTimeout: [...] }),
 *   ],
 * });
 * ```
 */
import type { Channel, LifecycleStage, Touchpoint } from '../lib/customer/model';
import {
  type AttributeOp,
  type BranchNode,
  type Condition,
  type Duration,
  type EntryNode,
  type ExitNode,
  type GoalNode,
  type Journey,
  type JourneyNode,
  type ReEntry,
  type Trigger,
  type WaitSpec,
  type Weekday,
  FORMAT_VERSION,
} from '../lib/journeys/format';

// ---------------------------------------------------------------------------------------------
// Steps and arms

/** A jump to a node by id. */
export interface GoTo {
  readonly kind: 'goTo';
  readonly target: string;
}

/** A jump to the journey's goal node. */
export interface ReachGoal {
  readonly kind: 'reachGoal';
}

/** A node of the journey, its continuations still to be resolved against the sequence. */
export interface NodeStep {
  readonly kind: 'node';
  readonly id: string;
  /**
   * Builds the node, given the id of whatever follows it and a resolver for its arms. Both are
   * asked only when needed, so a step whose arms all jump does not add an `end` it never uses.
   */
  readonly build: (next: () => string, arm: (arm: Arm) => string) => JourneyNode;
}

export type Step = NodeStep | GoTo | ReachGoal;
/** Where a fork goes: a nested sequence of steps, or a jump. */
export type Arm = readonly Step[] | GoTo | ReachGoal;

/** Continue with the node `id` (also to loop back to an earlier step). */
export function goTo(id: string): GoTo {
  return { kind: 'goTo', target: id };
}

/** End the journey at its goal (as converted). */
export function reachGoal(): ReachGoal {
  return { kind: 'reachGoal' };
}

function nodeStep(id: string, build: NodeStep['build']): NodeStep {
  return { kind: 'node', id, build };
}

// ---------------------------------------------------------------------------------------------
// Durations and entries

/** `days(7)` → `{ days: 7 }` */
export const days = (count: number): Duration => ({ days: count });
/** `hours(6)` → `{ hours: 6 }` */
export const hours = (count: number): Duration => ({ hours: count });
/** `minutes(30)` → `{ minutes: 30 }` */
export const minutes = (count: number): Duration => ({ minutes: count });

const NEVER: ReEntry = { rule: 'never' };
const ALWAYS: ReEntry = { rule: 'always' };

/** Re-entry rules: `reEntry.never`, `reEntry.always`, `reEntry.afterDays(90)`. */
export const reEntry = {
  never: NEVER,
  always: ALWAYS,
  afterDays: (count: number): ReEntry => ({ rule: 'afterDays', days: count }),
} as const;

/** How a journey starts and whether a customer may enter again. */
export interface EntrySpec {
  readonly trigger: Trigger;
  readonly reEntry: ReEntry;
}

/**
 * Starts when one of these customer events arrives, and with `when` only for a customer for whom
 * the condition (or every condition of the list) holds once the event is written; an event whose
 * customer does not qualify claims no re-entry:
 * `onEvent(['tier_changed'], reEntry.afterDays(365), { when: attribute('tier', 'in', ['gold', 'platinum']) })`.
 */
export function onEvent(events: readonly string[], rule: ReEntry, options: { when?: Condition | readonly Condition[] } = {}): EntrySpec {
  const when = options.when === undefined ? undefined : conditionList(options.when);
  return { trigger: { kind: 'event', events: [...events], ...(when === undefined ? {} : { when }) }, reEntry: rule };
}

/** Starts when a marketer launches it for an audience file. */
export function onAudienceLaunch(rule: ReEntry): EntrySpec {
  return { trigger: { kind: 'audience' }, reEntry: rule };
}

/** Starts on an EventBridge Scheduler `cron(…)`/`rate(…)` expression. */
export function onSchedule(expression: string, rule: ReEntry, timezone?: string): EntrySpec {
  return { trigger: { kind: 'schedule', expression, ...(timezone ? { timezone } : {}) }, reEntry: rule };
}

/** Starts (daily scan) for customers whose last `event` is at least `days` old. */
export function onInactivity(spec: { event: string; days: number }, rule: ReEntry): EntrySpec {
  return { trigger: { kind: 'inactivity', event: spec.event, days: spec.days }, reEntry: rule };
}

// ---------------------------------------------------------------------------------------------
// Node steps

/**
 * Send a message: `template` folder, consent `topic` (or `transactional`), channels in order; with
 * `followUpOf`, only when one of those earlier send steps sent a message in the same execution.
 */
export function send(id: string, spec: { template: string; topic: string; channels: readonly Channel[]; followUpOf?: readonly string[] }): NodeStep {
  return nodeStep(id, (next) => ({
    type: 'send',
    id,
    templateId: spec.template,
    topic: spec.topic,
    channels: [...spec.channels],
    ...(spec.followUpOf === undefined ? {} : { followUpOf: [...spec.followUpOf] }),
    next: next(),
  }));
}

function waitStep(id: string, wait: WaitSpec): NodeStep {
  return nodeStep(id, (next) => ({ type: 'wait', id, wait, next: next() }));
}

/** Wait a fixed duration: `wait('cool-off', days(3))`. */
export function wait(id: string, duration: Duration): NodeStep {
  return waitStep(id, { kind: 'duration', duration });
}

/** Wait until the customer's local `time` and/or one of `weekdays`. */
export function waitUntilLocalTime(id: string, spec: { time?: string; weekdays?: readonly Weekday[] }): NodeStep {
  return waitStep(id, {
    kind: 'localTime',
    ...(spec.time ? { time: spec.time } : {}),
    ...(spec.weekdays ? { weekdays: [...spec.weekdays] } : {}),
  });
}

/** Wait until the date in `attribute` (moved by `offsetDays`, at local `time`, yearly with `annual`). */
export function waitUntilDate(id: string, spec: { attribute: string; offsetDays?: number; time?: string; annual?: boolean }): NodeStep {
  return waitStep(id, { kind: 'attributeDate', ...spec });
}

/** Wait for `event` for at most `timeout`; `onEvent` / `onTimeout` default to continuing. */
export function waitForEvent(id: string, spec: { event: string; timeout: Duration; onEvent?: Arm; onTimeout?: Arm }): NodeStep {
  const onEventArm = spec.onEvent ?? [];
  const onTimeoutArm = spec.onTimeout ?? [];
  return nodeStep(
    id,
    (_next, arm) => ({ type: 'waitForEvent', id, event: spec.event, timeout: spec.timeout, next: arm(onEventArm), timeoutNext: arm(onTimeoutArm) }),
  );
}

/** One rule of a branch: when all conditions hold, `then`. */
export interface BranchRuleSpec {
  readonly when: Condition | readonly Condition[];
  readonly then: Arm;
}

/** The first rule whose conditions all hold wins; `otherwise` defaults to continuing. */
export function branch(id: string, spec: { rules: readonly BranchRuleSpec[]; otherwise?: Arm }): NodeStep {
  const otherwise = spec.otherwise ?? [];
  return nodeStep(
    id,
    (_next, arm): BranchNode => ({
      type: 'branch',
      id,
      rules: spec.rules.map((rule) => ({ when: conditionList(rule.when), next: arm(rule.then) })),
      otherwise: arm(otherwise),
    }),
  );
}

function conditionList(when: Condition | readonly Condition[]): Condition[] {
  return isConditionList(when) ? [...when] : [when];
}

function isConditionList(when: Condition | readonly Condition[]): when is readonly Condition[] {
  return Array.isArray(when);
}

/** A deterministic random split; percentages add up to 100. */
export function split(id: string, arms: readonly { percentage: number; then: Arm }[]): NodeStep {
  return nodeStep(
    id,
    (_next, arm) => ({ type: 'split', id, arms: arms.map((spec) => ({ percentage: spec.percentage, next: arm(spec.then) })) }),
  );
}

/** Holds `percentage`% of customers out (to `holdout`); the rest continue. */
export function holdout(id: string, spec: { percentage: number; holdout: Arm }): NodeStep {
  return nodeStep(id, (next, arm) => ({ type: 'holdout', id, percentage: spec.percentage, holdoutNext: arm(spec.holdout), next: next() }));
}

/** Moves the customer to a lifecycle stage. */
export function setStage(id: string, stage: LifecycleStage): NodeStep {
  return nodeStep(id, (next) => ({ type: 'setStage', id, stage, next: next() }));
}

/** Ends the journey, recording `reason`. */
export function exit(id: string, reason?: string): NodeStep {
  return nodeStep(id, (): ExitNode => ({ type: 'exit', id, ...(reason ? { reason } : {}) }));
}

// ---------------------------------------------------------------------------------------------
// Conditions

/** The customer is in one of these stages. */
export function stageIn(...stages: LifecycleStage[]): Condition {
  return { kind: 'stage', in: stages };
}

type Scalar = string | number | boolean;

/** A test on an attribute's current value: `attribute('tier', 'in', ['gold', 'platinum'])`. */
export function attribute(name: string, op: AttributeOp, value?: Scalar | readonly Scalar[]): Condition {
  const copied = isScalarList(value) ? [...value] : value;
  return { kind: 'attribute', attribute: name, op, ...(copied === undefined ? {} : { value: copied }) };
}

function isScalarList(value: Scalar | readonly Scalar[] | undefined): value is readonly Scalar[] {
  return Array.isArray(value);
}

/** The attribute changed in the last `days` days (optionally through one of `touchpoints`). */
export function changedWithin(name: string, spec: { days: number; touchpoints?: readonly Touchpoint[] }): Condition {
  return { kind: 'changedWithin', attribute: name, days: spec.days, ...(spec.touchpoints ? { touchpoints: [...spec.touchpoints] } : {}) };
}

/** Anything was learnt about the customer through one of `touchpoints` in the last `days` days. */
export function touchpointWithin(touchpoints: readonly Touchpoint[], spec: { days: number }): Condition {
  return { kind: 'touchpointWithin', touchpoints: [...touchpoints], days: spec.days };
}

/** The customer event `event` happened in the last `days` days. */
export function eventWithin(event: string, spec: { days: number }): Condition {
  return { kind: 'eventWithin', event, days: spec.days };
}

/** The customer's last `event` came through one of `touchpoints`. */
export function eventThrough(event: string, touchpoints: readonly Touchpoint[]): Condition {
  return { kind: 'eventThrough', event, op: 'in', touchpoints: [...touchpoints] };
}

/** The customer's last `event` came through none of `touchpoints` (or named none). */
export function eventNotThrough(event: string, touchpoints: readonly Touchpoint[]): Condition {
  return { kind: 'eventThrough', event, op: 'notIn', touchpoints: [...touchpoints] };
}

// ---------------------------------------------------------------------------------------------
// The journey

/** What {@link defineJourney} takes. */
export interface JourneySpec {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly entry: EntrySpec;
  /** The journey's goal: `event` ends it as converted, optionally moving the customer to `stage`. */
  readonly goal?: { readonly event: string; readonly id?: string; readonly stage?: LifecycleStage };
  readonly steps: readonly Step[];
}

/** The id of the exit node added where a sequence runs off the end of the journey. */
export const END_NODE_ID = 'end';
/** The goal node's id unless the spec names one. */
export const DEFAULT_GOAL_ID = 'goal';

/** Raised when a journey cannot be built, e.g. `reachGoal()` in a journey without a goal. */
export class JourneyBuilderError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'JourneyBuilderError';
  }
}

/** Builds a journey in the journey format from a spec. */
export function defineJourney(spec: JourneySpec): Journey {
  // Slots keep each node before the nodes of its arms, in the order the steps are written.
  const slots: (JourneyNode | undefined)[] = [];
  const goalId = spec.goal ? (spec.goal.id ?? DEFAULT_GOAL_ID) : undefined;
  let needsEnd = false;

  const jumpTarget = (step: GoTo | ReachGoal): string => {
    if (step.kind === 'goTo') return step.target;
    if (goalId === undefined) throw new JourneyBuilderError(`journey "${spec.id}": reachGoal() needs a goal; add goal: { event: … }`);
    return goalId;
  };

  const end = (): string => {
    needsEnd = true;
    return END_NODE_ID;
  };

  /** Flattens a sequence whose end continues with `after()`; returns its first node id. */
  const sequence = (steps: readonly Step[], after: () => string): string => {
    const continuation = (index: number) => (): string => {
      const following = steps[index + 1];
      if (following === undefined) return after();
      return following.kind === 'node' ? following.id : jumpTarget(following);
    };
    steps.forEach((step, index) => {
      if (step.kind !== 'node') return;
      const next = continuation(index);
      const arm = (target: Arm): string => (isSequence(target) ? sequence(target, next) : jumpTarget(target));
      const slot = slots.push(undefined) - 1;
      slots[slot] = step.build(next, arm);
    });
    const first = steps[0];
    if (first === undefined) return after();
    return first.kind === 'node' ? first.id : jumpTarget(first);
  };

  const start = sequence(spec.steps, end);
  const nodes = slots.filter((node): node is JourneyNode => node !== undefined);
  refuseReservedIds(spec.id, nodes, goalId);
  if (needsEnd) nodes.push({ type: 'exit', id: END_NODE_ID, reason: 'completed' });
  if (spec.goal && goalId) {
    const goal: GoalNode = { type: 'goal', id: goalId, event: spec.goal.event, ...(spec.goal.stage ? { stage: spec.goal.stage } : {}) };
    nodes.push(goal);
  }
  const entry: EntryNode = { type: 'entry', id: 'entry', trigger: spec.entry.trigger, reEntry: spec.entry.reEntry, next: start };
  return {
    formatVersion: FORMAT_VERSION,
    id: spec.id,
    name: spec.name,
    ...(spec.description ? { description: spec.description } : {}),
    entry,
    nodes,
  };
}

/**
 * Refuses a step that takes the id of a node the builder adds: wiring a run-off into an author's
 * `end` would send its message or record its reason for customers who simply completed.
 */
function refuseReservedIds(journeyId: string, nodes: readonly JourneyNode[], goalId: string | undefined): void {
  for (const node of nodes) {
    if (node.id === END_NODE_ID) {
      throw new JourneyBuilderError(
        `journey "${journeyId}": step id "${END_NODE_ID}" is reserved for the exit the builder adds where a sequence runs off the end; rename the step`,
      );
    }
    if (node.id === goalId) {
      throw new JourneyBuilderError(`journey "${journeyId}": step id "${goalId}" is the goal node's id; rename the step, or name the goal with goal: { id: … }`);
    }
  }
}

function isSequence(arm: Arm): arm is readonly Step[] {
  return Array.isArray(arm);
}
