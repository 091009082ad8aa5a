/**
 * What `overture status`, `overture why` and `overture receive-sms` show, computed from the
 * runtime's records: the executions by journey and status (and, for running ones, the state they
 * are in), a customer's decisions and sends in time order, and what an inbound text did. Ids,
 * codes and instants only.
 */
import type { InboundSmsOutcome } from '../sms-keywords/handle-inbound-sms';
import type { HistoryEntry } from './customer-history';
import type { ExecutionRecord, ExecutionStatus } from './step-functions';

/** The label under which launcher executions are counted. */
export const LAUNCHER_LABEL = '(launcher)';

/** The state of a running execution that entered no wait yet: a restart runs it from its first state. */
const FIRST_STATE_LABEL = '(first state)';

/** Failed executions the text of `overture status` names per journey (`--json` has them all). */
const FAILED_SHOWN = 3;

/** A failed execution: its name and the error it failed with (ids and codes only). */
export interface FailedExecution {
  readonly execution: string;
  readonly error: string;
  /** When it failed (virtual time). */
  readonly at?: string;
}

/** Executions of one journey. */
export interface JourneyStatus {
  readonly journey: string;
  readonly byStatus: Partial<Record<ExecutionStatus, number>>;
  /**
   * Running executions by the state they are in; read from a data folder (no stack runs it), by
   * the last wait they entered (a Wait state or a wait for an event), where the next start carries them on from.
   */
  readonly runningByState: Record<string, number>;
  /** The failed executions, latest first. */
  readonly failed: readonly FailedExecution[];
}

/**
 * The journey an execution belongs to. The registry records the journey of the state machine an
 * execution ran on; a state machine that runs no journey is the audience launcher, whose input
 * names the journey it launches and so must not be read for one. Records written before the
 * journey was recorded have only the input to go by: a journey's input names its customer
 * (JourneyExecutionInput), the launcher's does not.
 */
export function journeyOfExecution(record: ExecutionRecord): string {
  if (record.journey !== undefined) return record.journey;
  try {
    const input: unknown = JSON.parse(record.input);
    if (typeof input === 'object' && input !== null && 'customerId' in input && 'journey' in input && typeof input.journey === 'string') return input.journey;
  } catch {
    // fall through: not JSON, so not a journey's input
  }
  return LAUNCHER_LABEL;
}

/** Executions grouped by journey (sorted by journey id). */
export function statusByJourney(records: readonly ExecutionRecord[]): JourneyStatus[] {
  const byJourney = new Map<string, { byStatus: Partial<Record<ExecutionStatus, number>>; runningByState: Record<string, number>; failed: FailedExecution[] }>();
  for (const record of records) {
    const journey = journeyOfExecution(record);
    const entry = byJourney.get(journey) ?? { byStatus: {}, runningByState: {}, failed: [] };
    entry.byStatus[record.status] = (entry.byStatus[record.status] ?? 0) + 1;
    if (record.status === 'RUNNING') {
      // The process running it knows its state; the data folder keeps the Wait it carries on from.
      const state = record.currentState ?? record.checkpoint?.state ?? FIRST_STATE_LABEL;
      entry.runningByState[state] = (entry.runningByState[state] ?? 0) + 1;
    }
    if (record.status === 'FAILED') {
      entry.failed.push({ execution: record.name, error: record.error ?? 'no error recorded', ...(record.stopDate === undefined ? {} : { at: record.stopDate }) });
    }
    byJourney.set(journey, entry);
  }
  return [...byJourney.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([journey, entry]) => ({ journey, ...entry, failed: entry.failed.sort((a, b) => (b.at ?? '').localeCompare(a.at ?? '')) }));
}

/** `overture status` as text. */
export function formatStatus(statuses: readonly JourneyStatus[], now: string): string {
  if (statuses.length === 0) return `No executions yet (virtual time ${now}).\n`;
  const columns: ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED'];
  const width = Math.max(...statuses.map((status) => status.journey.length), 'journey'.length);
  const lines = [`Executions at virtual time ${now}`, '', `${'journey'.padEnd(width)}  ${columns.map((c) => c.padStart(9)).join('  ')}`];
  for (const status of statuses) {
    const indent = `${''.padEnd(width)}    `;
    lines.push(`${status.journey.padEnd(width)}  ${columns.map((c) => String(status.byStatus[c] ?? 0).padStart(9)).join('  ')}`);
    const states = Object.entries(status.runningByState).sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [state, count] of states) lines.push(`${indent}${count} in ${state}`);
    // An answer from a stack of an earlier version may lack the list.
    const failed = status.failed ?? [];
    for (const run of failed.slice(0, FAILED_SHOWN)) lines.push(`${indent}failed: ${run.execution} (${run.error})`);
    if (failed.length > FAILED_SHOWN) lines.push(`${indent}failed: ${failed.length - FAILED_SHOWN} more (--json lists them all)`);
  }
  if (statuses.some((status) => (status.failed ?? []).length > 0)) {
    lines.push('', 'Once the cause is fixed, `overture redrive EXECUTION` runs a failed execution again from the state it failed in.');
  }
  return `${lines.join('\n')}\n`;
}

/** One line of `overture why`. */
export function formatHistoryEntry(entry: HistoryEntry): string {
  if (entry.kind === 'journey') {
    const { record } = entry;
    const what =
      record.record === 'goal'
        ? `reached the goal${record.event === undefined ? '' : ` (${record.event})`}`
        : record.record === 'exit'
          ? `exited${record.reason === undefined ? '' : ` (${record.reason})`}`
          : record.record === 'stage'
            ? `stage set to ${record.stage ?? '?'}`
            : `send failed after its retries (${record.error ?? 'no error recorded'}); nothing sent`;
    return `${entry.at}  ${record.journey}/${record.step}  ${what}  [${record.execution}]`;
  }
  if (entry.kind === 'decision') {
    const { decision } = entry;
    const what =
      decision.outcome === 'deferred'
        ? `deferred${decision.channel ? ` ${decision.channel}` : ''} until ${decision.until ?? '?'} (${decision.reason ?? 'no reason'})`
        : decision.outcome === 'skipped'
          ? `skipped (${decision.reason ?? 'no reason'})`
          : `decided to send${decision.channel ? ` by ${decision.channel}` : ''}`;
    return `${entry.at}  ${decision.journey}/${decision.step}  ${what}  [${decision.execution}]`;
  }
  const { send } = entry;
  const status =
    send.status === 'sent'
      ? `sent by ${send.channel}`
      : send.status === 'unknown'
        ? `handed to ${send.channel}, outcome unknown (${send.error ?? 'no error recorded'}); never resent`
        : send.status === 'failed'
          ? `refused by the ${send.channel} provider (${send.error ?? 'no error recorded'})`
          : `reserved for ${send.channel}, not settled`;
  return `${entry.at}  ${send.journey}/${send.step}  ${status}, topic ${send.topic}  [${send.execution}]`;
}

/** `overture why` as text. */
export function formatHistory(customerId: string, entries: readonly HistoryEntry[]): string {
  if (entries.length === 0) return `No decisions, sends or journey steps recorded for customer ${customerId}.\n`;
  return `${[`Decisions, sends and journey steps for customer ${customerId}, in time order:`, ...entries.map(formatHistoryEntry)].join('\n')}\n`;
}

/** `customer c-1` or `customers c-1, c-2`. */
function customersNamed(ids: readonly string[]): string {
  return `customer${ids.length === 1 ? '' : 's'} ${ids.join(', ')}`;
}

/** `c-1 (marketing), c-2 (marketing, offers)`. */
function topicsOf(customers: readonly { readonly customerId: string; readonly topics: readonly string[] }[]): string {
  return customers.map((customer) => `${customer.customerId} (${customer.topics.join(', ')})`).join(', ');
}

/** A reply went to the number, or why none did. */
function replyNote(replied: boolean): string {
  return replied ? 'the reply is in the SMS outbox' : 'no reply was sent (answered before, or the outbox refused it)';
}

/** The opt-out's confirmation, for an opt-out read in a sentence (`replied` absent: a bare keyword, which the provider confirms on AWS). */
function confirmationNote(replied: boolean | undefined): string {
  return replied === undefined ? '' : `; opt-out confirmation: ${replyNote(replied)}`;
}

/**
 * Whether the opt-out put the number on the outbox's opt-out list: only an exact keyword the
 * provider answers does (`replied` absent), as End User Messaging lists only those.
 */
function outboxListNote(replied: boolean | undefined): string {
  return replied === undefined ? "the number is on the outbox's opt-out list" : "the number is not on the outbox's opt-out list (only an exact opt-out keyword puts it there)";
}

/** What `overture receive-sms` says a text did, in words: keywords and customer ids only, never the number. */
export function formatInboundSmsOutcome(outcome: InboundSmsOutcome): string {
  switch (outcome.kind) {
    case 'opted_out':
      return `${outcome.keyword}: SMS consent revoked for ${topicsOf(outcome.customers)}; ${outboxListNote(outcome.replied)}${confirmationNote(outcome.replied)}`;
    case 'opted_in':
      return `${outcome.keyword}: SMS consent granted for customer ${outcome.customerId} (${outcome.topics.join(', ')})`;
    case 'shared_number':
      return `${outcome.keyword}: nothing granted, ${customersNamed(outcome.customerIds)} hold the number; each opts in from the preference centre`;
    case 'confirmed':
      return `${outcome.keyword}: SMS consent confirmed for ${topicsOf(outcome.customers)}; ${replyNote(outcome.replied)}`;
    case 'nothing_to_confirm':
      return `${outcome.keyword}: no request for this number awaits a YES, nothing granted; answered with the HELP text (${replyNote(outcome.replied)})`;
    case 'help':
      return `${outcome.keyword}: answered with the HELP text (${replyNote(outcome.replied)})`;
    case 'unknown_number':
      return `${outcome.keyword}: no customer holds the number, no consent changed${confirmationNote(outcome.replied)}`;
    case 'not_a_keyword':
      return 'not a keyword (STOP, START, YES, HELP and their synonyms), nothing changed';
  }
}
