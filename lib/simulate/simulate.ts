/**
 * `overture simulate`: runs a scenario's journeys for its customers on the local runtime — the
 * real handlers, the state machine JSON of the synthesized template, the embedded DynamoDB and
 * SES emulators — under a virtual clock, and builds the report from what the system recorded.
 *
 * The report is read back from the customer table, not from what the simulator saw go by:
 * - `messages`: send-ledger entries that reached a provider: `sent`, and `unknown` (the provider
 *   call failed ambiguously, so the message may have gone out; counting it keeps the report on
 *   the safe side of the rules). `at` is when the message was handed over, in virtual time;
 * - `skipped`: the gate's `skipped` decisions (deferrals are not skips: a deferred message shows
 *   up in `messages` later), plus ledger entries `failed` (`message_invalid` or
 *   `provider_rejected`), plus send steps that failed after the send Task's retries (the journey
 *   record `sendFailed` that `overture results` counts) and left no entry in either list:
 *   `message_invalid` when a template error stopped the message being built, else `send_failed`;
 * - `customers`: each customer's lifecycle stage when the clock reached `until`.
 *
 * Determinism: the clock moves only when no work is in flight; events and timers in virtual-time
 * order (events first at the same instant); one customer's work one item at a time, in the order
 * it was queued, and work across customers (the inactivity scan, launches) alone — so how the
 * emulators' answers interleave across customers changes nothing; `Math.random` and SMS ids
 * seeded by the scenario's `seed`; ids and times from the virtual clock.
 */
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ProfileSchema, type LifecycleStage } from '../customer/model';
import { failureReasonOf } from '../delivery/deliver-message';
import type { Journey } from '../journeys/format';
import { sendInstant } from '../local/customer-history';
import { LocalRuntime } from '../local/runtime';
import { realDelay } from '../local/virtual-clock';
import {
  canonicalReport,
  formatInstant,
  inlineJourneysOf,
  ReportSkipReasonSchema,
  serializeReport,
  summarize,
  type Report,
  type ReportMessage,
  type ReportSkip,
  type Scenario,
} from '../scenario';
import { JOURNEY_RECORD_PREFIX, JourneyRecordSchema, type JourneyRecord } from '../ingest/journey-records';
import { itemKeys } from '../store/item-keys';
import { DecisionRecordSchema, SendEntrySchema } from '../store/records';
import { CUSTOMER_PARTITION_PREFIX, PARTITION_KEY, SORT_KEY, SORT_KEY_PREFIXES } from '../store/table-design';
import { journeys as catalog } from '../../workflows';
import { enterScenario } from './scenario-world';

/** Work items the simulator runs at once unless told otherwise (see {@link SimulateOptions.concurrency}). */
export const DEFAULT_SIMULATE_CONCURRENCY = 8;

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /** Where the cloud assembly is written. @default `cdk.out` */
  readonly outdir?: string;
  /** Progress lines (to stderr in the CLI). */
  readonly progress?: (line: string) => void;
  /**
   * Work items at once. Items of one customer never overlap and keep their order, and work across
   * customers (scans, launches) runs alone, so the report is the same whatever this is.
   * @default DEFAULT_SIMULATE_CONCURRENCY
   */
  readonly concurrency?: number;
  /** Receives the runtime once it started, before the scenario enters it (benchmarks attach counters). */
  readonly onStart?: (runtime: LocalRuntime) => void;
  /** Receives the runtime before it closes (tests and benchmarks read the emulators). */
  readonly inspect?: (runtime: LocalRuntime) => void | Promise<void>;
}

/** Raised when the simulation itself fails (not the scenario: that is a ScenarioError). */
export class SimulationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SimulationError';
  }
}

/** The journeys a scenario runs: catalog ones by id, inline ones as given. */
export function scenarioJourneys(scenario: Scenario): Journey[] {
  const inline = new Map(inlineJourneysOf(scenario).map((journey) => [journey.id, journey]));
  return scenario.journeys.map((entry) => {
    if (typeof entry !== 'string') return inline.get(entry.id) ?? entry;
    const journey = catalog[entry];
    if (journey === undefined) throw new SimulationError(`journey "${entry}" is not in the catalog`);
    return journey;
  });
}

/** Runs the scenario and returns its report. */
export async function simulate(scenario: Scenario, options: SimulateOptions = {}): Promise<Report> {
  const progress = options.progress ?? (() => undefined);
  progress(`synthesizing and starting the local stack for ${countOf(scenario.customers.length, 'customer')}`);
  // An event or scheduled job that fails would otherwise be left out of the run, and the report
  // would read as if it never happened: the first failure stops the run and fails the simulation.
  let failure: { error: unknown; what: string } | undefined;
  const runtime: LocalRuntime = await LocalRuntime.start({
    journeys: scenarioJourneys(scenario),
    start: new Date(scenario.start),
    seed: scenario.seed,
    concurrency: options.concurrency ?? DEFAULT_SIMULATE_CONCURRENCY,
    outdir: options.outdir,
    // The scenario's customers may have lapsed long before its start: see LocalRuntimeOptions.
    lapseCatchUp: true,
    onError: (error, what) => {
      failure ??= { error, what };
      runtime.stop();
    },
  });
  try {
    options.onStart?.(runtime);
    await enterScenario(runtime, scenario);
    options.progress?.(`scenario entered`);
    const until = new Date(scenario.until);
    const startMs = Date.parse(scenario.start);
    const total = until.getTime() - startMs;
    let reported = -1;
    const ticker = setProgressTicker(() => {
      const done = Math.floor(((runtime.clock.nowMs() - startMs) / total) * 10);
      if (done !== reported) {
        reported = done;
        progress(`virtual time ${formatInstant(runtime.clock.nowMs())} (${done * 10}%), ${countOf(runtime.counters.sends, 'send step')} run`);
      }
    });
    try {
      await runtime.run(until);
    } finally {
      ticker.stop();
    }
    if (failure !== undefined) {
      const { error, what } = failure;
      throw new SimulationError(`work of ${what} failed at virtual time ${formatInstant(runtime.clock.nowMs())}, so the report would leave it out: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    progress('building the report');
    const report = await buildReport(runtime, scenario);
    await options.inspect?.(runtime);
    return report;
  } finally {
    await runtime.close();
  }
}

/** Runs the scenario and returns the report as canonical JSON (see `serializeReport`). */
export async function simulateToJson(scenario: Scenario, options: SimulateOptions = {}): Promise<string> {
  return serializeReport(await simulate(scenario, options));
}

/**
 * Reads the report back from the customer table (see the module comment), in canonical order: one
 * Scan of the table, records sorted out by customer and kind.
 */
export async function buildReport(runtime: LocalRuntime, scenario: Scenario): Promise<Report> {
  const wanted = new Set(scenario.customers.map((customer) => customer.id));
  const stages = new Map<string, LifecycleStage>();
  const messages: ReportMessage[] = [];
  const skipped: ReportSkip[] = [];
  const sendFailures: (JourneyRecord & { customerId: string })[] = [];
  for await (const { customerId, sortKey, data } of tableItems(runtime)) {
    if (!wanted.has(customerId)) continue;
    if (sortKey === itemKeys.profile()) {
      stages.set(customerId, ProfileSchema.parse(data).stage);
    } else if (sortKey.startsWith(SORT_KEY_PREFIXES.sendLedger)) {
      const entry = SendEntrySchema.parse(data);
      const ids = { customerId: entry.customerId, journey: entry.journey, execution: entry.execution, step: entry.step };
      if (entry.status === 'sent' || entry.status === 'unknown') {
        messages.push({ ...ids, channel: entry.channel, topic: entry.topic, at: formatInstant(sendInstant(entry)) });
      } else if (entry.status === 'failed') {
        // As the send path answers it: message_invalid or provider_rejected.
        skipped.push({ ...ids, reason: failureReasonOf(entry), at: formatInstant(sendInstant(entry)) });
      }
    } else if (sortKey.startsWith(SORT_KEY_PREFIXES.decision)) {
      const decision = DecisionRecordSchema.parse(data);
      if (decision.outcome !== 'skipped') continue;
      const reason = ReportSkipReasonSchema.safeParse(decision.reason);
      if (!reason.success) throw new SimulationError(`decision of step ${decision.step} of ${decision.execution} has a reason outside the report's set`);
      skipped.push({ customerId, journey: decision.journey, execution: decision.execution, step: decision.step, reason: reason.data, at: formatInstant(decision.at) });
    } else if (sortKey.startsWith(JOURNEY_RECORD_PREFIX)) {
      const record = JourneyRecordSchema.parse(data);
      if (record.record === 'sendFailed') sendFailures.push({ ...record, customerId });
    }
  }
  // A step that failed after the ledger answered (an entry `sent`, `unknown` or `failed`) is
  // already listed; one that failed before (its message never built, the gate or store failing)
  // is listed by its journey record alone.
  const listed = new Set([...messages, ...skipped].map((entry) => stepKey(entry)));
  for (const failure of sendFailures) {
    if (listed.has(stepKey(failure))) continue;
    const ids = { customerId: failure.customerId, journey: failure.journey, execution: failure.execution, step: failure.step };
    skipped.push({ ...ids, reason: sendFailureReasonOf(failure.error), at: formatInstant(failure.at) });
  }
  const customers = scenario.customers.map((customer) => {
    const stage = stages.get(customer.id);
    if (stage === undefined) throw new SimulationError(`customer ${customer.id} has no profile in the store`);
    return { id: customer.id, stage };
  });
  return canonicalReport({ messages, skipped, customers, summary: summarize(messages, skipped) });
}

/**
 * The errors of a message that could not be built from its template (lib/templates/errors.ts),
 * which the report counts with the channel adapter's invalid messages.
 */
const MESSAGE_INVALID_ERRORS: ReadonlySet<string> = new Set(['TemplateRenderError', 'TemplateVariableError', 'TemplateNotFoundError', 'TemplateSyntaxError', 'MessageInvalidError']);

/** The skip reason of a send step whose Task failed after its retries with the error named `error`. */
export function sendFailureReasonOf(error: string | undefined): 'message_invalid' | 'send_failed' {
  return error !== undefined && MESSAGE_INVALID_ERRORS.has(error) ? 'message_invalid' : 'send_failed';
}

function stepKey(entry: { readonly customerId: string; readonly execution: string; readonly step: string }): string {
  return JSON.stringify([entry.customerId, entry.execution, entry.step]);
}

/** Every item of the customer table, with its customer id and sort key, page by page. */
async function* tableItems(runtime: LocalRuntime): AsyncGenerator<{ customerId: string; sortKey: string; data: Record<string, unknown> }> {
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await runtime.clients.dynamodb.send(new ScanCommand({ TableName: runtime.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) {
      const data: Record<string, unknown> = unmarshall(item);
      const partition = data[PARTITION_KEY];
      const sortKey = data[SORT_KEY];
      if (typeof partition !== 'string' || typeof sortKey !== 'string' || !partition.startsWith(CUSTOMER_PARTITION_PREFIX)) continue;
      yield { customerId: partition.slice(CUSTOMER_PARTITION_PREFIX.length), sortKey, data };
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
}

/** `1 customer`, `2 customers`: progress lines read as English. */
export function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Calls `tick` every real second until stopped (progress on long runs). */
function setProgressTicker(tick: () => void): { stop(): void } {
  let stopped = false;
  const loop = async (): Promise<void> => {
    while (!stopped) {
      tick();
      await realDelay(1000);
    }
  };
  void loop();
  return {
    stop: () => {
      stopped = true;
    },
  };
}
