/**
 * What one journey did, step by step, as `overture results JOURNEY` shows it: for each send step,
 * how many executions reached it and what became of the message there (sent, by channel; skipped,
 * by reason; deferred to a time the customer accepts; in flight, unknown or refused by the
 * provider; failed after the send Task's retries, by error), and how the executions that ended, ended (goal or exit, by step and reason; a
 * holdout's own exits among them, so the held-out group can be set against the rest).
 *
 * Read from the records the send path and the journeyEffects function keep in the customer table,
 * the same ones `overture why` reads for one customer: one send-ledger entry per step that
 * reserved a message (its status is the answer), else the step's failure after its retries, else
 * its latest gate decision, and one record per goal or exit. Ids, codes and counts only.
 */
import { paginateScan, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Channel } from '../customer/model';
import { storedJourneyRecords, type JourneyRecord } from '../ingest/journey-records';
import type { Journey } from '../journeys/format';
import { DecisionRecordSchema, SendEntrySchema, type DecisionRecord, type SendEntry } from '../store/records';
import { SORT_KEY, SORT_KEY_PREFIXES } from '../store/table-design';
import { statusByJourney } from './stack-views';
import type { ExecutionRecord, ExecutionStatus } from './step-functions';
import { breakdown } from './summary';

/** What became of the messages of one send step. */
export interface SendStepResults {
  readonly step: string;
  /** Executions that reached the step: it decided, deferred or reserved at least once. */
  readonly reached: number;
  /** Messages handed to a provider, by channel. */
  readonly sent: Partial<Record<Channel, number>>;
  /** Steps that send nothing, by reason. */
  readonly skipped: Record<string, number>;
  /** Deferred to a time the customer accepts; the execution waits to decide again. */
  readonly deferred: number;
  /** Reserved and handed over, the answer not recorded yet (or cut off: the next attempt settles it as unknown). */
  readonly pending: number;
  /** The provider call failed in a way that may have sent the message: never sent again. */
  readonly unknown: number;
  /** The provider refused the message. */
  readonly failed: number;
  /**
   * The step failed after the send Task's retries (a provider or the customer table unavailable
   * throughout, a template that cannot render), by error name: no message was handed over, and
   * the execution went on without it.
   */
  readonly failedAfterRetries: Record<string, number>;
}

/** Executions that ended at one goal or exit step. */
export interface JourneyEnding {
  readonly step: string;
  readonly kind: 'goal' | 'exit';
  /** The exit's reason, or the goal's event. */
  readonly reason?: string;
  readonly count: number;
}

/** `overture results JOURNEY`. */
export interface JourneyResults {
  readonly journey: string;
  /** Executions of the journey by status. */
  readonly executions: Partial<Record<ExecutionStatus, number>>;
  /** The journey's send steps in the order of its definition, then any step it no longer has. */
  readonly steps: readonly SendStepResults[];
  /** Goals and exits, most frequent first. */
  readonly endings: readonly JourneyEnding[];
}

/** A goal or exit record of a journey (lib/ingest/journey-records.ts), as far as results need it. */
type JourneyEndingRecord = Pick<JourneyRecord, 'execution' | 'step' | 'reason' | 'event'> & { readonly record: 'goal' | 'exit' };

/** A send step's failure after its retries, recorded by its `.failed` state (lib/journeys/compile.ts). */
type SendFailureRecord = Pick<JourneyRecord, 'execution' | 'step'> & { readonly record: 'sendFailed'; readonly error: string };

/** The records of one journey that its results are made of. */
export interface JourneyRecords {
  readonly sends: readonly SendEntry[];
  readonly decisions: readonly DecisionRecord[];
  readonly endings: readonly JourneyEndingRecord[];
  readonly failures: readonly SendFailureRecord[];
}

/**
 * Reads every send-ledger entry, gate decision, send failure and goal or exit record of `journey`
 * (Scans: the local table is small). The journey's own records are read as `overture why` reads a
 * customer's (storedJourneyRecords); stage changes among them tell nothing of a send step or an
 * ending.
 */
export async function readJourneyRecords(client: DynamoDBClient, tableName: string, journey: string): Promise<JourneyRecords> {
  const [{ sends, decisions }, records] = await Promise.all([
    sendsAndDecisionsOf(client, tableName, journey),
    storedJourneyRecords(client, tableName, { journey }),
  ]);
  const endings: JourneyEndingRecord[] = [];
  const failures: SendFailureRecord[] = [];
  for (const { record: kind, execution, step, event, reason, error } of records) {
    if (kind === 'goal' || kind === 'exit') endings.push({ record: kind, execution, step, event, reason });
    else if (kind === 'sendFailed' && error !== undefined) failures.push({ record: kind, execution, step, error });
  }
  return { sends, decisions, endings, failures };
}

/** Every send-ledger entry and gate decision of `journey`, with one Scan. */
async function sendsAndDecisionsOf(client: DynamoDBClient, tableName: string, journey: string): Promise<Pick<JourneyRecords, 'sends' | 'decisions'>> {
  const sends: SendEntry[] = [];
  const decisions: DecisionRecord[] = [];
  const pages = paginateScan(
    { client },
    {
      TableName: tableName,
      FilterExpression: '#journey = :journey AND (begins_with(#sk, :send) OR begins_with(#sk, :decision))',
      ExpressionAttributeNames: { '#sk': SORT_KEY, '#journey': 'journey' },
      ExpressionAttributeValues: {
        ':journey': { S: journey },
        ':send': { S: SORT_KEY_PREFIXES.sendLedger },
        ':decision': { S: SORT_KEY_PREFIXES.decision },
      },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const record = unmarshall(item);
      if ((item[SORT_KEY]?.S ?? '').startsWith(SORT_KEY_PREFIXES.sendLedger)) sends.push(SendEntrySchema.parse(record));
      else decisions.push(DecisionRecordSchema.parse(record));
    }
  }
  return { sends, decisions };
}

/** The results of `journey`, from the executions a registry holds and the records in the customer table. */
export async function readJourneyResults(
  client: DynamoDBClient,
  tableName: string,
  journey: Journey,
  executions: readonly ExecutionRecord[],
): Promise<JourneyResults> {
  const byStatus = statusByJourney(executions).find((status) => status.journey === journey.id)?.byStatus ?? {};
  return journeyResults(journey, byStatus, await readJourneyRecords(client, tableName, journey.id));
}

/** The results of `journey` from its records and its executions' statuses. */
export function journeyResults(journey: Journey, executions: Partial<Record<ExecutionStatus, number>>, records: JourneyRecords): JourneyResults {
  const ledger = new Map(records.sends.map((entry) => [stepOf(entry), entry]));
  const failures = new Map(records.failures.map((failure) => [stepOf(failure), failure]));
  const latest = new Map<string, DecisionRecord>();
  for (const decision of records.decisions) {
    const key = stepOf(decision);
    const earlier = latest.get(key);
    if (earlier === undefined || laterDecision(decision, earlier)) latest.set(key, decision);
  }

  const byStep = new Map<string, MutableStepResults>();
  const resultsOf = (step: string): MutableStepResults => {
    let results = byStep.get(step);
    if (results === undefined) {
      results = { step, reached: 0, sent: {}, skipped: {}, deferred: 0, pending: 0, unknown: 0, failed: 0, failedAfterRetries: {} };
      byStep.set(step, results);
    }
    return results;
  };
  const sendSteps = journey.nodes.filter((node) => node.type === 'send').map((node) => node.id);
  for (const step of sendSteps) resultsOf(step);

  for (const key of new Set([...ledger.keys(), ...failures.keys(), ...latest.keys()])) {
    const entry = ledger.get(key);
    const failure = failures.get(key);
    const decision = latest.get(key);
    const results = resultsOf((entry ?? failure ?? decision)?.step ?? '');
    results.reached += 1;
    // A reservation is the step's answer whatever was decided around it (a message may have gone
    // out before the step failed); without one, a failure after the retries ends the step, and
    // a deferral before it is no longer waiting; else the latest decision is the answer.
    if (entry !== undefined) {
      if (entry.status === 'sent') results.sent[entry.channel] = (results.sent[entry.channel] ?? 0) + 1;
      else results[entry.status] += 1;
    } else if (failure !== undefined) {
      results.failedAfterRetries[failure.error] = (results.failedAfterRetries[failure.error] ?? 0) + 1;
    } else if (decision?.outcome === 'skipped') {
      const reason = decision.reason ?? 'skipped';
      results.skipped[reason] = (results.skipped[reason] ?? 0) + 1;
    } else if (decision?.outcome === 'deferred') results.deferred += 1;
    // A decision to send with no reservation: the reservation was withdrawn (the provider's opt-out
    // list refused the recipient) and the step decided again; that later decision is the answer.
  }

  const endings = new Map<string, JourneyEnding>();
  for (const record of records.endings) {
    const reason = record.record === 'goal' ? record.event : record.reason;
    const key = `${record.step}\u0000${record.record}\u0000${reason ?? ''}`;
    const counted = endings.get(key);
    endings.set(key, { step: record.step, kind: record.record, ...(reason === undefined ? {} : { reason }), count: (counted?.count ?? 0) + 1 });
  }

  const known = new Set(sendSteps);
  const others = [...byStep.keys()].filter((step) => !known.has(step)).sort();
  return {
    journey: journey.id,
    executions,
    steps: [...sendSteps, ...others].map((step) => resultsOf(step)),
    endings: [...endings.values()].sort((a, b) => b.count - a.count || (a.step < b.step ? -1 : a.step > b.step ? 1 : 0)),
  };
}

type MutableStepResults = { -readonly [K in keyof SendStepResults]: SendStepResults[K] } & {
  sent: Partial<Record<Channel, number>>;
  skipped: Record<string, number>;
  failedAfterRetries: Record<string, number>;
};

/** The step of one execution a record is about. */
function stepOf(record: { readonly execution: string; readonly step: string }): string {
  return `${record.execution}\u0000${record.step}`;
}

/** Whether `a` was decided after `b` (at one instant, a skip ends what a deferral left open). */
function laterDecision(a: DecisionRecord, b: DecisionRecord): boolean {
  const difference = Date.parse(a.at) - Date.parse(b.at);
  return difference > 0 || (difference === 0 && a.outcome !== 'deferred');
}

/** `overture results JOURNEY` as text. */
export function formatJourneyResults(results: JourneyResults, now: string): string {
  const statuses = (Object.entries(results.executions) as [ExecutionStatus, number][]).filter(([, count]) => count > 0);
  const total = statuses.reduce((sum, [, count]) => sum + count, 0);
  const lines = [
    `Journey ${results.journey} at virtual time ${now}`,
    `executions: ${total}${statuses.length === 0 ? '' : ` (${statuses.map(([status, count]) => `${count} ${status.toLowerCase()}`).join(', ')})`}`,
    '',
    'send steps:',
  ];
  const width = Math.max(...results.steps.map((step) => step.step.length), 0);
  for (const step of results.steps) {
    const parts = [`reached ${step.reached}`, `sent ${sum(step.sent)}${breakdown(step.sent)}`, `skipped ${sum(step.skipped)}${breakdown(step.skipped)}`];
    if (step.deferred > 0) parts.push(`deferred ${step.deferred}`);
    if (step.pending > 0) parts.push(`in flight ${step.pending}`);
    if (step.unknown > 0) parts.push(`unknown ${step.unknown} (may have gone out, never resent)`);
    if (step.failed > 0) parts.push(`refused by the provider ${step.failed}`);
    const failedAfterRetries = sum(step.failedAfterRetries);
    if (failedAfterRetries > 0) parts.push(`failed after retries ${failedAfterRetries}${breakdown(step.failedAfterRetries)} (nothing sent)`);
    lines.push(`  ${step.step.padEnd(width)}  ${parts.join(' · ')}`);
  }
  lines.push('', 'ended:');
  if (results.endings.length === 0) lines.push('  none yet');
  for (const ending of results.endings) {
    lines.push(`  ${ending.count} ${ending.kind === 'goal' ? 'reached the goal' : 'exited'} at ${ending.step}${ending.reason === undefined ? '' : ` (${ending.reason})`}`);
  }
  return `${lines.join('\n')}\n`;
}

function sum(counts: Readonly<Record<string, number | undefined>>): number {
  return Object.values(counts).reduce<number>((total, count) => total + (count ?? 0), 0);
}
