/**
 * Entry records enforce a journey's re-entry rule where executions start (ingest, launcher,
 * inactivity scan). Execution names alone cannot: Step Functions frees a name 90 days after its
 * execution closes, and `afterDays` compares times, not names.
 *
 * One item per customer and journey in the customer table (`pk = CUSTOMER#<id>`,
 * `sk = ENTRY#<journey>`) holds the entry key and time of the latest entry. Claiming an entry
 * is one conditional PutItem:
 *
 * | rule        | the claim succeeds when                                                    |
 * |-------------|----------------------------------------------------------------------------|
 * | `always`    | always (no item is written)                                                |
 * | `never`     | no entry exists, or the entry has this entry key (a retry of the same one) |
 * | `afterDays` | as `never`, or the latest entry is at least `days` days older               |
 *
 * A retry of the same entry key succeeds again, so a crash between the claim and StartExecution
 * heals on the next attempt; the deterministic execution name then keeps the start single. The
 * claim says whether the record held this entry key already (`again`): the entry is a repeat, or
 * the retry of an attempt cut short (see start-journey.ts for how the two are told apart).
 */
import { ConditionalCheckFailedException, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ReEntry } from '../journeys/entry';
import { itemKeys } from '../store/item-keys';
import { PARTITION_KEY, SORT_KEY } from '../store/table-design';

/** Sort-key prefix of entry records. */
export const ENTRY_PREFIX = 'ENTRY#';

const DAY_MS = 86_400_000;

/** Where entry records live. */
export interface EntryRecordsOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

/** One entry to claim. */
export interface EntryClaim {
  readonly customerId: string;
  readonly journey: string;
  readonly entryKey: string;
  /** When the customer enters (the event's time, or the launch time). */
  readonly at: string;
  readonly reEntry: ReEntry;
}

/** The sort key of a customer's entry record for `journey`. */
export function entryRecordKey(journey: string): string {
  return `${ENTRY_PREFIX}${journey}`;
}

/**
 * The answer to a claim:
 * - `first`: the customer may enter, and the record did not hold this entry key before;
 * - `again`: the customer may enter, and the record held this entry key already;
 * - `unrecorded`: the customer may enter (re-entry `always`); no record is kept, so whether the
 *   entry key came before is unknown;
 * - `refused`: the re-entry rule keeps the customer out.
 */
export type EntryClaimOutcome = 'first' | 'again' | 'unrecorded' | 'refused';

/** Claims the entry; see {@link EntryClaimOutcome}. The record holds this entry unless `refused`. */
export async function claimEntry(options: EntryRecordsOptions, claim: EntryClaim): Promise<EntryClaimOutcome> {
  if (claim.reEntry.rule === 'always') return 'unrecorded';
  const at = new Date(claim.at).toISOString();
  const conditions = ['attribute_not_exists(#pk)', '#entryKey = :entryKey'];
  const values: Record<string, { S: string }> = { ':entryKey': { S: claim.entryKey } };
  if (claim.reEntry.rule === 'afterDays') {
    conditions.push('#enteredAt <= :cutoff');
    values[':cutoff'] = { S: new Date(Date.parse(at) - claim.reEntry.days * DAY_MS).toISOString() };
  }
  try {
    const { Attributes: previous } = await options.client.send(
      new PutItemCommand({
        TableName: options.tableName,
        Item: {
          [PARTITION_KEY]: { S: itemKeys.partition(claim.customerId) },
          [SORT_KEY]: { S: entryRecordKey(claim.journey) },
          kind: { S: 'journey_entry' },
          journey: { S: claim.journey },
          entryKey: { S: claim.entryKey },
          enteredAt: { S: at },
        },
        ConditionExpression: conditions.join(' OR '),
        ExpressionAttributeNames: {
          '#pk': PARTITION_KEY,
          '#entryKey': 'entryKey',
          ...(claim.reEntry.rule === 'afterDays' ? { '#enteredAt': 'enteredAt' } : {}),
        },
        ExpressionAttributeValues: values,
        // The record as it was, free with the write: it tells a repeated entry key from a new one.
        ReturnValues: 'ALL_OLD',
      }),
    );
    return previous?.entryKey?.S === claim.entryKey ? 'again' : 'first';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'refused';
    throw error;
  }
}
