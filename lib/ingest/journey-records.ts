/**
 * The journeyEffects function's storage in AWS (the {@link JourneyEffectsPorts} of effects.ts):
 * customers read through the customer store, and two records in the customer's partition.
 *
 * - `JOURNEY#<execution>#<step>#<record>`: one per goal, exit, failed send or stage change of an
 *   execution step, written once (a conditional put), so a Task that Step Functions runs twice
 *   records once. Operators read a customer's journey history with one Query of `JOURNEY#`
 *   ({@link storedJourneyRecords}, which `overture why` and `overture results` both read through).
 * - the stage change itself: CustomerStore.setStage, which leaves every other profile field as it
 *   is, even one written concurrently by ingest, and keeps a stage set later (by an event or
 *   another journey) that is already on file.
 */
import {
  ConditionalCheckFailedException,
  paginateQuery,
  paginateScan,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from '../schema/zod-mini';
import { CustomerNotFoundError, type JourneyEffectsPorts, type JourneyOutcome, type StageChange } from '../journeys/effects';
import type { CustomerStore } from '../store/customer-store';
import { itemKeys } from '../store/item-keys';
import { PARTITION_KEY, SORT_KEY } from '../store/table-design';

/** Sort-key prefix of journey records. */
export const JOURNEY_RECORD_PREFIX = 'JOURNEY#';

/** What a journey record records. */
export type JourneyRecordKind = JourneyOutcome['kind'] | 'stage';

/**
 * A journey record as read back (ids, codes and instants only): a goal (`event`), an exit
 * (`reason`), a send step that failed after its retries (`error`, the error's name) or a stage
 * change (`stage`).
 */
export const JourneyRecordSchema = z.object({
  record: z.enum(['goal', 'exit', 'sendFailed', 'stage']),
  journey: z.string().check(z.minLength(1)),
  step: z.string().check(z.minLength(1)),
  execution: z.string().check(z.minLength(1)),
  at: z.string().check(z.minLength(1)),
  event: z.optional(z.string().check(z.minLength(1))),
  reason: z.optional(z.string().check(z.minLength(1))),
  error: z.optional(z.string().check(z.minLength(1))),
  stage: z.optional(z.string().check(z.minLength(1))),
});
export type JourneyRecord = z.infer<typeof JourneyRecordSchema>;

/** The sort key of the `record` of `step` in `execution` (a goal step records its stage change too). */
export function journeyRecordKey(execution: string, step: string, record: JourneyRecordKind): string {
  return `${JOURNEY_RECORD_PREFIX}${execution}#${step}#${record}`;
}

/**
 * Whose journey records {@link storedJourneyRecords} reads: one customer's, with a Query of the
 * `JOURNEY#` items of their partition (`overture why`), or one journey's, with a Scan of the table
 * filtered on the journey (`overture results`, on the local stack's small table: no index is kept
 * by journey).
 */
export type JourneyRecordScope = { readonly customerId: string } | { readonly journey: string };

/** The journey records of `scope`, read strongly consistently; a customer's in key order. */
export async function storedJourneyRecords(client: DynamoDBClient, tableName: string, scope: JourneyRecordScope): Promise<JourneyRecord[]> {
  const prefix = { ':prefix': { S: JOURNEY_RECORD_PREFIX } };
  const pages: AsyncIterable<{ readonly Items?: Record<string, AttributeValue>[] }> =
    'customerId' in scope
      ? paginateQuery(
          { client },
          {
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
            ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
            ExpressionAttributeValues: { ':pk': { S: itemKeys.partition(scope.customerId) }, ...prefix },
            ConsistentRead: true,
          },
        )
      : paginateScan(
          { client },
          {
            TableName: tableName,
            FilterExpression: '#journey = :journey AND begins_with(#sk, :prefix)',
            ExpressionAttributeNames: { '#sk': SORT_KEY, '#journey': 'journey' },
            ExpressionAttributeValues: { ':journey': { S: scope.journey }, ...prefix },
            ConsistentRead: true,
          },
        );
  const records: JourneyRecord[] = [];
  for await (const page of pages) for (const item of page.Items ?? []) records.push(JourneyRecordSchema.parse(unmarshall(item)));
  return records;
}

/** What the AWS ports need. */
export interface JourneyRecordsOptions {
  readonly store: CustomerStore;
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly now?: () => Date;
}

/** The journeyEffects ports backed by the customer table. */
export function journeyEffectsPorts(options: JourneyRecordsOptions): JourneyEffectsPorts {
  const { client, tableName } = options;

  /** Writes the record unless one exists; resolves false for a repeat. */
  const recordOnce = async (customerId: string, record: { readonly record: JourneyRecordKind; readonly execution: string; readonly step: string } & Record<string, string | undefined>) => {
    const item = Object.fromEntries(
      Object.entries({ kind: 'journey_record', ...record })
        .filter((entry): entry is [string, string] => entry[1] !== undefined)
        .map(([name, value]) => [name, { S: value }]),
    );
    try {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            ...item,
            [PARTITION_KEY]: { S: itemKeys.partition(customerId) },
            [SORT_KEY]: { S: journeyRecordKey(record.execution, record.step, record.record) },
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  };

  return {
    loadCustomer: (customerId) => options.store.getSnapshot(customerId),

    async setStage(change: StageChange) {
      // A stage set later that is on file stays; the step's record below still says what it did.
      if ((await options.store.setStage(change.customerId, change.stage, change.at)) === 'missing') throw new CustomerNotFoundError(change.customerId);
      await recordOnce(change.customerId, {
        record: 'stage',
        journey: change.journey,
        step: change.step,
        execution: change.execution,
        stage: change.stage,
        at: change.at,
      });
    },

    async recordOutcome(outcome: JourneyOutcome) {
      await recordOnce(outcome.customerId, {
        record: outcome.kind,
        journey: outcome.journey,
        step: outcome.step,
        execution: outcome.execution,
        at: outcome.at,
        event: outcome.event,
        reason: outcome.reason,
        error: outcome.error,
      });
    },

    now: options.now ?? (() => new Date()),
  };
}
