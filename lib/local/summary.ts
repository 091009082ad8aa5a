/**
 * The running summary of a local stack: messages sent by channel and send steps skipped by
 * reason. It starts from what the customer table already holds (a restart goes on counting) and
 * is told every send step's answer after that.
 */
import { paginateScan, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DeliveryOutcome } from '../delivery/deliver-message';
import { SORT_KEY, SORT_KEY_PREFIXES } from '../store/table-design';

/** Counts by channel and by reason. */
export class RunningSummary {
  readonly sentByChannel: Record<string, number> = {};
  readonly skippedByReason: Record<string, number> = {};
  deferred = 0;
  /** Steps (`execution/step`) already counted: an execution run again after a restart counts once. */
  private readonly counted = new Set<string>();

  /**
   * Counts one send step's answer. Returns whether it is a message that went out now: `true` for
   * a step's first answer `sent`, `false` for anything else — a step counted before, or one that a
   * restart ran again and whose message an earlier run sent (`replayed`: the ledger answered; such
   * a step is counted from the table, see {@link loadFrom}).
   */
  record(step: { execution: string; step: string }, outcome: DeliveryOutcome): boolean {
    if (outcome.outcome === 'deferred') {
      this.deferred += 1;
      return false;
    }
    // Steps re-run at a restart may answer before loadFrom has read the table.
    if (outcome.outcome === 'sent' && outcome.replayed) return false;
    if (!this.first(`${step.execution}/${step.step}`)) return false;
    if (outcome.outcome === 'sent' || outcome.outcome === 'unknown') add(this.sentByChannel, outcome.channel);
    else add(this.skippedByReason, outcome.reason);
    return outcome.outcome === 'sent';
  }

  private first(key: string): boolean {
    if (this.counted.has(key)) return false;
    this.counted.add(key);
    return true;
  }

  /** Total messages sent. */
  get sent(): number {
    return Object.values(this.sentByChannel).reduce((sum, count) => sum + count, 0);
  }

  /** One line: `sent 12 (email 10, sms 2) · skipped 3 (no_consent 2, suppressed 1) · deferred 4`. */
  line(): string {
    const skipped = Object.values(this.skippedByReason).reduce((sum, count) => sum + count, 0);
    return `sent ${this.sent}${breakdown(this.sentByChannel)} · skipped ${skipped}${breakdown(this.skippedByReason)} · deferred ${this.deferred}`;
  }

  /**
   * Adds what the table holds: ledger entries sent (or unknown) by channel, skipped decisions by
   * reason, and deferrals (each one is a decision of its own, as {@link record} counts them).
   */
  async loadFrom(client: DynamoDBClient, tableName: string): Promise<void> {
    const pages = paginateScan(
      { client },
      {
        TableName: tableName,
        FilterExpression: 'begins_with(#sk, :send) OR begins_with(#sk, :decision)',
        ExpressionAttributeNames: { '#sk': SORT_KEY },
        ExpressionAttributeValues: { ':send': { S: SORT_KEY_PREFIXES.sendLedger }, ':decision': { S: SORT_KEY_PREFIXES.decision } },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const sortKey = item[SORT_KEY]?.S ?? '';
        const key = `${item.execution?.S ?? ''}/${item.step?.S ?? ''}`;
        if (sortKey.startsWith(SORT_KEY_PREFIXES.sendLedger)) {
          const status = item.status?.S;
          if ((status === 'sent' || status === 'unknown') && this.first(key)) add(this.sentByChannel, item.channel?.S ?? 'unknown');
        } else if (item.outcome?.S === 'skipped') {
          if (this.first(key)) add(this.skippedByReason, item.reason?.S ?? 'skipped');
        } else if (item.outcome?.S === 'deferred') this.deferred += 1;
      }
    }
  }
}

function add(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** ` (email 3, sms 1)`: the counts above zero by key, or nothing when there are none. */
export function breakdown(counts: Readonly<Record<string, number | undefined>>): string {
  const parts = Object.entries(counts)
    .filter((entry): entry is [string, number] => (entry[1] ?? 0) > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, count]) => `${key} ${count}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}
