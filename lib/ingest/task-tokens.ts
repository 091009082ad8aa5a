/**
 * Task tokens of executions waiting for a customer event, kept in the customer table so the
 * ingest function finds them with one Query when the event arrives.
 *
 * `pk = CUSTOMER#<id>`, `sk = WAIT#<event>#<execution>`: an execution waits for one event at a
 * time, so a later wait of the same execution for the same event replaces the earlier (spent)
 * token. The item keeps when the wait began and the entry's own instant, so that only an event
 * that happened since both ends it.
 * Items expire (TTL) a day after the wait's timeout; a token found after its timeout is answered
 * `TaskTimedOut` by Step Functions and removed.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import * as z from '../schema/zod-mini';
import type { WaitForEventPayload } from '../journeys/wait-for-event-contract';
import { itemKeys } from '../store/item-keys';
import { PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from '../store/table-design';

/** Sort-key prefix of task-token items. */
export const WAIT_PREFIX = 'WAIT#';

/** Seconds a token item outlives its wait's timeout before DynamoDB may delete it. */
const TOKEN_GRACE_SECONDS = 86_400;

/** Where task tokens live. */
export interface TaskTokenStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

/** A stored task token and what it waits for. */
export const WaitingTaskSchema = z.object({
  customerId: z.string().check(z.minLength(1)),
  event: z.string().check(z.minLength(1)),
  journey: z.string().check(z.minLength(1)),
  step: z.string().check(z.minLength(1)),
  execution: z.string().check(z.minLength(1)),
  taskToken: z.string().check(z.minLength(1)),
  storedAt: z.string().check(z.minLength(1)),
  /** When the wait began (absent for waits of definitions compiled before it was passed). */
  waitStartedAt: z.optional(z.string().check(z.minLength(1))),
  /**
   * The entry's own instant (the execution input's `enteredAt`): only an event strictly after it
   * ends the wait. Absent for executions started without it.
   */
  entryAt: z.optional(z.string().check(z.minLength(1))),
});
export type WaitingTask = z.infer<typeof WaitingTaskSchema>;

/** The sort key of an execution's wait for `event`. */
export function waitKey(event: string, execution: string): string {
  return `${waitPrefix(event)}${execution}`;
}

function waitPrefix(event: string): string {
  return `${WAIT_PREFIX}${event}#`;
}

/**
 * Stores the token of a waitForEvent step (replacing a spent one of the same execution and
 * event), and resolves with the waiting task as {@link waitingTasks} would read it back.
 */
export async function storeTaskToken(options: TaskTokenStoreOptions, payload: WaitForEventPayload, now: Date): Promise<WaitingTask> {
  const expiresAt = Math.floor(now.getTime() / 1000) + payload.timeoutSeconds + TOKEN_GRACE_SECONDS;
  const task: WaitingTask = {
    customerId: payload.customerId,
    event: payload.event,
    journey: payload.journey,
    step: payload.step,
    execution: payload.execution,
    taskToken: payload.taskToken,
    storedAt: now.toISOString(),
    ...(payload.waitStartedAt === undefined ? {} : { waitStartedAt: new Date(payload.waitStartedAt).toISOString() }),
    ...(payload.entry?.enteredAt === undefined ? {} : { entryAt: new Date(payload.entry.enteredAt).toISOString() }),
  };
  await options.client.send(
    new PutItemCommand({
      TableName: options.tableName,
      Item: {
        [PARTITION_KEY]: { S: itemKeys.partition(payload.customerId) },
        [SORT_KEY]: { S: waitKey(payload.event, payload.execution) },
        kind: { S: 'task_token' },
        ...Object.fromEntries(Object.entries(task).map(([name, value]) => [name, { S: value }])),
        [TTL_ATTRIBUTE]: { N: String(expiresAt) },
      },
    }),
  );
  return task;
}

/** Every execution of the customer waiting for `event`, read consistently (a token stored just now is seen). */
export async function waitingTasks(options: TaskTokenStoreOptions, customerId: string, event: string): Promise<WaitingTask[]> {
  const tasks: WaitingTask[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await options.client.send(
      new QueryCommand({
        TableName: options.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
        ExpressionAttributeValues: { ':pk': { S: itemKeys.partition(customerId) }, ':prefix': { S: waitPrefix(event) } },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const parsed = WaitingTaskSchema.safeParse({
        customerId: item.customerId?.S,
        event: item.event?.S,
        journey: item.journey?.S,
        step: item.step?.S,
        execution: item.execution?.S,
        taskToken: item.taskToken?.S,
        storedAt: item.storedAt?.S,
        waitStartedAt: item.waitStartedAt?.S,
        entryAt: item.entryAt?.S,
      });
      if (parsed.success) tasks.push(parsed.data);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return tasks;
}

/**
 * Removes a spent token, unless a newer wait of the same execution replaced it meanwhile.
 * Resolves `false` when the item held another token (or was gone).
 */
export async function removeTaskToken(options: TaskTokenStoreOptions, task: WaitingTask): Promise<boolean> {
  try {
    await options.client.send(
      new DeleteItemCommand({
        TableName: options.tableName,
        Key: {
          [PARTITION_KEY]: { S: itemKeys.partition(task.customerId) },
          [SORT_KEY]: { S: waitKey(task.event, task.execution) },
        },
        ConditionExpression: '#taskToken = :taskToken',
        ExpressionAttributeNames: { '#taskToken': 'taskToken' },
        ExpressionAttributeValues: { ':taskToken': { S: task.taskToken } },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
