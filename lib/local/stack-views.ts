/**
 * What `overture status` and `overture why` show, computed from the runtime's records: the
 * executions by journey and status (and, for running ones, the state they are in), and a
 * customer's decisions and sends in time order. Ids, codes and instants only.
 */
import type { HistoryEntry } from './customer-history';
import type { ExecutionRecord, ExecutionStatus } from './step-functions';

/** The label under which launcher executions are counted. */
export const LAUNCHER_LABEL = '(launcher)';

/** Executions of one journey. */
export interface JourneyStatus {
  readonly journey: string;
  readonly byStatus: Partial<Record<ExecutionStatus, number>>;
  /** Running executions by the state they are in (known only to the process running them). */
  readonly runningByState: Record<string, number>;
}

/** The journey an execution belongs to: its input's `journey`, launchers apart. */
export function journeyOfExecution(record: ExecutionRecord): string {
  if (record.stateMachineArn.endsWith(':AudienceLauncher')) return LAUNCHER_LABEL;
  try {
    const input: unknown = JSON.parse(record.input);
    if (typeof input === 'object' && input !== null && 'journey' in input && typeof input.journey === 'string') return input.journey;
  } catch {
    // fall through: not JSON
  }
  return record.stateMachineArn.slice(record.stateMachineArn.lastIndexOf(':') + 1);
}

/** Executions grouped by journey (sorted by journey id). */
export function statusByJourney(records: readonly ExecutionRecord[]): JourneyStatus[] {
  const byJourney = new Map<string, { byStatus: Partial<Record<ExecutionStatus, number>>; runningByState: Record<string, number> }>();
  for (const record of records) {
    const journey = journeyOfExecution(record);
    const entry = byJourney.get(journey) ?? { byStatus: {}, runningByState: {} };
    entry.byStatus[record.status] = (entry.byStatus[record.status] ?? 0) + 1;
    if (record.status === 'RUNNING') {
      const state = record.currentState ?? '(unknown)';
      entry.runningByState[state] = (entry.runningByState[state] ?? 0) + 1;
    }
    byJourney.set(journey, entry);
  }
  return [...byJourney.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([journey, entry]) => ({ journey, ...entry }));
}

/** `overture status` as text. */
export function formatStatus(statuses: readonly JourneyStatus[], now: string): string {
  if (statuses.length === 0) return `No executions yet (virtual time ${now}).\n`;
  const columns: ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED'];
  const width = Math.max(...statuses.map((status) => status.journey.length), 'journey'.length);
  const lines = [`Executions at virtual time ${now}`, '', `${'journey'.padEnd(width)}  ${columns.map((c) => c.padStart(9)).join('  ')}`];
  for (const status of statuses) {
    lines.push(`${status.journey.padEnd(width)}  ${columns.map((c) => String(status.byStatus[c] ?? 0).padStart(9)).join('  ')}`);
    const states = Object.entries(status.runningByState).sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [state, count] of states) lines.push(`${''.padEnd(width)}    ${count} in ${state}`);
  }
  return `${lines.join('\n')}\n`;
}

/** One line of `overture why`. */
export function formatHistoryEntry(entry: HistoryEntry): string {
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
  if (entries.length === 0) return `No decisions or sends recorded for customer ${customerId}.\n`;
  return `${[`Decisions and sends for customer ${customerId}, in time order:`, ...entries.map(formatHistoryEntry)].join('\n')}\n`;
}
