/**
 * Validation rules about time: a journey must fit in one Step Functions Standard execution, which
 * lives at most a year and keeps at most 25,000 history events. Both limits fail the execution
 * silently for the customer (no exit, no message), so the validator refuses a journey that could
 * reach them:
 *
 * - every path from the entry, with each wait held as long as it can hold, must end within
 *   {@link EXECUTION_WAIT_LIMIT_DAYS} days (see {@link longestPathFindings});
 * - every loop must hold long enough per pass that a year of passes fits in the history (see
 *   {@link loopPaceFindings}).
 */
import { type Journey, type JourneyNode, type NodeId, durationSeconds, successors } from './format';
import { DAY_SECONDS, EXECUTION_HISTORY_LIMIT, EXECUTION_LIFETIME_DAYS, EXECUTION_WAIT_LIMIT_DAYS } from './execution-limits';
import { stronglyConnectedComponents } from './graph';

/** A problem at one node; the validator puts the journey and node in front of `text`. */
export interface TimeFinding {
  readonly node: JourneyNode;
  readonly text: string;
}

const HOUR_SECONDS = 60 * 60;
const YEAR_SECONDS = EXECUTION_LIFETIME_DAYS * DAY_SECONDS;
const WAIT_LIMIT_SECONDS = EXECUTION_WAIT_LIMIT_DAYS * DAY_SECONDS;

/**
 * The history events a loop may spend in a year: the execution's limit, less a fifth kept for
 * the steps before and after the loop and for retries (each retried Task attempt writes three
 * events more).
 */
const LOOP_HISTORY_BUDGET = EXECUTION_HISTORY_LIMIT * 0.8;

/**
 * The history events one pass through a node writes, counted from the states it compiles to
 * (compile.ts): a Lambda Task writes five (entered, scheduled, started, succeeded, exited), a
 * callback Task six (submitted too, and succeeded or timed out), a Choice or Wait two.
 */
const TASK_EVENTS = 5;
const CALLBACK_TASK_EVENTS = 6;
const CHOICE_EVENTS = 2;
const WAIT_EVENTS = 2;

/** The history events of one pass through `node`, without retries or send deferrals. */
export function historyEventsPerPass(node: JourneyNode): number {
  switch (node.type) {
    case 'send': // the send Task and its `.route` Choice
    case 'branch': // the journeyEffects Task and its `.choose` Choice
    case 'split':
    case 'holdout':
      return TASK_EVENTS + CHOICE_EVENTS;
    case 'wait':
      if (node.wait.kind === 'duration') return WAIT_EVENTS;
      // The Task that computes the instant, (for a date, its `.choose` Choice,) then the Wait.
      return TASK_EVENTS + (node.wait.kind === 'attributeDate' ? CHOICE_EVENTS : 0) + WAIT_EVENTS;
    case 'waitForEvent':
      return CALLBACK_TASK_EVENTS;
    case 'setStage':
    case 'goal':
    case 'exit':
      return TASK_EVENTS;
  }
}

/**
 * The least time a node holds the execution when it continues through `field`: only a duration
 * wait, a local-time wait with a time (the same local time comes round again at least 23 hours
 * later, across a change to summer time) and a waitForEvent's timeout are sure to hold. The
 * event of a waitForEvent may come at once, a local-time wait without a time ends at once on a
 * matching day, and a date wait does not wait for a missing date.
 */
function leastHoldSeconds(node: JourneyNode, field: string): number {
  if (node.type === 'waitForEvent') return field === 'timeoutNext' ? durationSeconds(node.timeout) : 0;
  if (node.type !== 'wait') return 0;
  switch (node.wait.kind) {
    case 'duration':
      return durationSeconds(node.wait.duration);
    case 'localTime':
      return node.wait.time === undefined ? 0 : 23 * HOUR_SECONDS;
    case 'attributeDate':
      return 0;
  }
}

/**
 * The most time a node may hold the execution, or `untilLimit` for a date wait, which the
 * journeyEffects function ends by the execution's wait limit counted from its start (beyond it,
 * the journey exits as `date_beyond_execution`). A local-time wait ends within a day with a time
 * only, within a week with weekdays; an hour more across a change to winter time.
 */
function mostHold(node: JourneyNode): number | 'untilLimit' {
  if (node.type === 'waitForEvent') return durationSeconds(node.timeout);
  if (node.type !== 'wait') return 0;
  switch (node.wait.kind) {
    case 'duration':
      return durationSeconds(node.wait.duration);
    case 'localTime':
      return (node.wait.weekdays === undefined ? DAY_SECONDS : 7 * DAY_SECONDS) + HOUR_SECONDS;
    case 'attributeDate':
      return 'untilLimit';
  }
}

/** `200 days`, `3 h 57 min`, `1 min`: a span for a message. */
function spanText(seconds: number): string {
  const days = Math.floor(seconds / DAY_SECONDS);
  const hours = Math.floor((seconds % DAY_SECONDS) / HOUR_SECONDS);
  const minutes = Math.ceil((seconds % HOUR_SECONDS) / 60);
  const parts = [days > 0 ? `${days} day${days === 1 ? '' : 's'}` : '', hours > 0 ? `${hours} h` : '', minutes > 0 ? `${minutes} min` : ''];
  const text = parts.filter((part) => part !== '').join(' ');
  return text === '' ? '0 s' : text;
}

/**
 * Paths from the entry whose waits, each held as long as it may hold, outlast what an execution
 * may wait ({@link EXECUTION_WAIT_LIMIT_DAYS} days): Step Functions would time the execution out
 * on the way, with no exit recorded. One finding per wait that carries a path over the limit,
 * naming the longest path through it.
 *
 * Each loop is counted once: the edges that close a loop are left out, so the paths form a DAG.
 * How often a loop runs is the customer's doing; {@link loopPaceFindings} bounds what its passes cost.
 *
 * Needs a graph whose edges all resolve.
 */
export function longestPathFindings(journey: Journey): TimeFinding[] {
  const byId = new Map(journey.nodes.map((node) => [node.id, node]));
  const order = acyclicOrder(journey.entry.next, byId);
  const arrival = new Map<NodeId, number>([[journey.entry.next, 0]]);
  const previous = new Map<NodeId, NodeId>();
  for (const id of order.ids) {
    const node = byId.get(id);
    const at = arrival.get(id);
    if (node === undefined || at === undefined) continue;
    const leave = leaving(node, at);
    for (const target of order.edges.get(id) ?? []) {
      if (leave > (arrival.get(target) ?? -1)) {
        arrival.set(target, leave);
        previous.set(target, id);
      }
    }
  }
  // Reported at the wait that carries a path over the limit: the one to shorten.
  const crossings = journey.nodes.filter((node) => {
    const at = arrival.get(node.id);
    return at !== undefined && at <= WAIT_LIMIT_SECONDS && leaving(node, at) > WAIT_LIMIT_SECONDS;
  });
  return crossings.map((node) => {
    const path: NodeId[] = [node.id];
    for (let id = previous.get(node.id); id !== undefined; id = previous.get(id)) path.unshift(id);
    const steps = path.map((id) => {
      const step = byId.get(id);
      const hold = step === undefined ? 0 : mostHold(step);
      if (hold === 'untilLimit') return `${id} (a date, up to ${EXECUTION_WAIT_LIMIT_DAYS} days after the start)`;
      if (hold === 0) return id;
      const kind = step?.type === 'waitForEvent' ? 'timeout ' : step?.type === 'wait' && step.wait.kind === 'localTime' ? 'up to ' : '';
      return `${id} (${kind}${spanText(hold)})`;
    });
    return {
      node,
      text:
        `the path ${[journey.entry.id, ...steps].join(' → ')} may hold the execution ${spanText(leaving(node, arrival.get(node.id) ?? 0))}, ` +
        `longer than it may wait (${EXECUTION_WAIT_LIMIT_DAYS} days: Step Functions ends an execution after a year, unrecorded, and the steps after a wait need a day); ` +
        'shorten the waits on this path, or split the journey in two',
    };
  });
}

/** When the execution leaves `node` at the latest, having reached it `at` seconds after the start. */
function leaving(node: JourneyNode, at: number): number {
  const hold = mostHold(node);
  return hold === 'untilLimit' ? Math.max(at, WAIT_LIMIT_SECONDS) : at + hold;
}

/**
 * The nodes reachable from `start` in topological order, with the edges that do not close a loop
 * (a depth-first search leaves out the edges back to a node on its stack, which leaves a DAG).
 */
function acyclicOrder(start: NodeId, byId: ReadonlyMap<NodeId, JourneyNode>): { ids: NodeId[]; edges: Map<NodeId, NodeId[]> } {
  const done = new Set<NodeId>();
  const onStack = new Set<NodeId>();
  const postorder: NodeId[] = [];
  const edges = new Map<NodeId, NodeId[]>();
  const visit = (id: NodeId): void => {
    onStack.add(id);
    const node = byId.get(id);
    const kept: NodeId[] = [];
    for (const { target } of node ? successors(node) : []) {
      if (onStack.has(target) || !byId.has(target)) continue;
      kept.push(target);
      if (!done.has(target)) visit(target);
    }
    edges.set(id, kept);
    onStack.delete(id);
    done.add(id);
    postorder.push(id);
  };
  if (byId.has(start)) visit(start);
  return { ids: postorder.reverse(), edges };
}

/**
 * Loops that may pass too often for the execution's history: each pass writes the history events
 * of its states ({@link historyEventsPerPass}), and an execution that reaches 25,000 fails, with
 * no exit recorded. A loop that runs a year must therefore hold, per pass, at least a year divided
 * by the passes {@link LOOP_HISTORY_BUDGET} allows. A loop that never waits is the validator's
 * other rule; this one is for loops whose waits are too short (a branch polled every minute).
 *
 * Finds, in each strongly connected component, a cycle whose least hold falls short of what its
 * events need (a negative cycle when each edge weighs `hold × budget − year × events`), and names
 * it once, at its first node in journey order.
 */
export function loopPaceFindings(journey: Journey): TimeFinding[] {
  const byId = new Map(journey.nodes.map((node) => [node.id, node]));
  const edgesOf = (id: NodeId): { field: string; target: NodeId }[] => {
    const node = byId.get(id);
    return node ? successors(node).filter((edge) => byId.has(edge.target)) : [];
  };
  const findings: TimeFinding[] = [];
  const components = stronglyConnectedComponents(
    journey.nodes.map((node) => node.id),
    (id) => edgesOf(id).map((edge) => edge.target),
  );
  for (const component of components) {
    const cycle = tooFastCycle(component, byId, edgesOf);
    if (cycle === undefined) continue;
    const members = new Set(cycle.map((step) => step.id));
    const first = journey.nodes.find((node) => members.has(node.id));
    if (first === undefined) continue;
    // Shown from its first node in journey order, where the finding is reported.
    const start = cycle.findIndex((step) => step.id === first.id);
    findings.push({ node: first, text: paceText([...cycle.slice(start), ...cycle.slice(0, start)], byId) });
  }
  return findings;
}

interface CycleStep {
  readonly id: NodeId;
  readonly field: string;
}

/** Integer weights, so no rounding can hide a loop: positive when the edge holds more than its events need. */
function edgeWeight(node: JourneyNode, field: string): number {
  return leastHoldSeconds(node, field) * LOOP_HISTORY_BUDGET - YEAR_SECONDS * historyEventsPerPass(node);
}

/** A cycle inside `component` whose weights add up below zero (Bellman–Ford), or undefined. */
function tooFastCycle(
  component: readonly NodeId[],
  byId: ReadonlyMap<NodeId, JourneyNode>,
  edgesOf: (id: NodeId) => { field: string; target: NodeId }[],
): CycleStep[] | undefined {
  const members = new Set(component);
  const distance = new Map(component.map((id) => [id, 0]));
  const previous = new Map<NodeId, CycleStep>();
  const relax = (): NodeId | undefined => {
    let changed: NodeId | undefined;
    for (const id of component) {
      const node = byId.get(id);
      if (node === undefined) continue;
      for (const { field, target } of edgesOf(id)) {
        if (!members.has(target)) continue;
        const candidate = (distance.get(id) ?? 0) + edgeWeight(node, field);
        if (candidate < (distance.get(target) ?? 0)) {
          distance.set(target, candidate);
          previous.set(target, { id, field });
          changed = target;
        }
      }
    }
    return changed;
  };
  let changed: NodeId | undefined;
  for (let round = 0; round < component.length; round += 1) {
    changed = relax();
    if (changed === undefined) return undefined;
  }
  if (changed === undefined) return undefined;
  // After as many rounds as nodes, walking back as many steps lands on the cycle itself.
  let onCycle: NodeId = changed;
  for (let step = 0; step < component.length; step += 1) onCycle = previous.get(onCycle)?.id ?? onCycle;
  const cycle: CycleStep[] = [];
  let id: NodeId = onCycle;
  do {
    const step = previous.get(id);
    if (step === undefined) return undefined;
    cycle.unshift(step);
    id = step.id;
  } while (id !== onCycle);
  return cycle;
}

function paceText(cycle: readonly CycleStep[], byId: ReadonlyMap<NodeId, JourneyNode>): string {
  const nodes = cycle.flatMap((step) => {
    const node = byId.get(step.id);
    return node ? [{ node, field: step.field }] : [];
  });
  const hold = nodes.reduce((sum, { node, field }) => sum + leastHoldSeconds(node, field), 0);
  const events = nodes.reduce((sum, { node }) => sum + historyEventsPerPass(node), 0);
  const needed = Math.ceil((YEAR_SECONDS * events) / LOOP_HISTORY_BUDGET);
  const byEvent = nodes.filter(({ node, field }) => node.type === 'waitForEvent' && field === 'next').map(({ node }) => `waitForEvent "${node.id}"`);
  const timed = nodes.filter(({ node, field }) => node.type === 'wait' && leastHoldSeconds(node, field) > 0).map(({ node }) => `"${node.id}"`);
  const loop = [...cycle.map((step) => step.id), cycle[0]?.id].join(' → ');
  return (
    `loop ${loop} holds ${hold === 0 ? 'no time for sure' : `at least ${spanText(hold)}`} per pass` +
    `${byEvent.length > 0 ? ` (the event of ${byEvent.join(', ')} may come at once)` : ''} and writes ${events} history events per pass, ` +
    `so a year of passes would outgrow the ${EXECUTION_HISTORY_LIMIT.toLocaleString('en-US')} events an execution keeps and Step Functions would fail it, unrecorded; ` +
    `make the loop wait at least ${spanText(needed)} per pass ` +
    `(${timed.length > 0 ? `lengthen wait ${timed.join(', ')}, or add a longer one` : 'add a duration wait inside the loop'})`
  );
}
