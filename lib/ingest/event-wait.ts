/**
 * The waitForEvent function's work: store the task token, then catch an event that arrived
 * while the token was not stored yet.
 *
 * The race: an execution enters its wait step at `waitStartedAt`, Step Functions invokes the
 * waitForEvent function, and only then is the token stored. An event ingested in between finds
 * no token, so ingest resumes nothing, and without more the execution would wait until its
 * timeout although the event came.
 *
 * The mark that closes it is one ingest already writes: the attribute `lastEvent.<event>`, whose
 * `changedAt` is the instant of the customer's latest event of that name (an older event never
 * replaces it). Ingest writes it before it queries the tokens; this function stores the token
 * before it reads the mark. All four requests are strongly consistent, so whichever side comes
 * second sees the other's write:
 *
 * - token stored before ingest's query → ingest resumes the execution;
 * - token stored after it → ingest's mark was already written, and this function reads it and
 *   resumes the execution itself when the event happened at or after `waitStartedAt` (and after
 *   the entry's instant: see eventEndsWait).
 *
 * When both see each other, both call SendTaskSuccess: Step Functions accepts the first and the
 * second finds the token spent (see resume-waiting.ts). Ingest therefore needs no extra request.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { lastEventAttribute } from '../journeys/event-history';
import type { WaitForEventPayload } from '../journeys/wait-for-event-contract';
import { itemKeys } from '../store/item-keys';
import { PARTITION_KEY, SORT_KEY } from '../store/table-design';
import { eventEndsWait, resumeTask, type ResumePorts } from './resume-waiting';
import { storeTaskToken, type TaskTokenStoreOptions } from './task-tokens';

/**
 * What became of a wait: `waiting` for ingest to return the token; `resumed` here, because the
 * event had already come; `spent` when ingest (or the timeout) got to the token first.
 */
export type EventWaitOutcome =
  | { readonly status: 'waiting' }
  | { readonly status: 'resumed' | 'spent'; readonly occurredAt: string };

/**
 * When the customer's latest `event` happened, read strongly consistently from the
 * `lastEvent.<event>` attribute that ingest keeps; undefined when none was ever ingested.
 */
export async function lastOccurrence(options: TaskTokenStoreOptions, customerId: string, event: string): Promise<string | undefined> {
  const { Item } = await options.client.send(
    new GetItemCommand({
      TableName: options.tableName,
      Key: {
        [PARTITION_KEY]: { S: itemKeys.partition(customerId) },
        [SORT_KEY]: { S: itemKeys.attributeState(lastEventAttribute(event)) },
      },
      ProjectionExpression: '#changedAt',
      ExpressionAttributeNames: { '#changedAt': 'changedAt' },
      ConsistentRead: true,
    }),
  );
  return Item?.changedAt?.S;
}

/**
 * Stores the token of a waitForEvent step, then resumes the execution at once when the
 * customer's latest `payload.event` happened at or after the wait began and strictly after the
 * entry's own instant, so never on the event that entered the journey (see the module comment).
 */
export async function beginEventWait(ports: ResumePorts, payload: WaitForEventPayload, now: Date): Promise<EventWaitOutcome> {
  const store = { client: ports.dynamodb, tableName: ports.tableName };
  const task = await storeTaskToken(store, payload, now);
  // A wait without a start cannot tell an earlier event from a later one: ingest alone ends it.
  if (task.waitStartedAt === undefined) return { status: 'waiting' };
  const occurredAt = await lastOccurrence(store, payload.customerId, payload.event);
  if (occurredAt === undefined || !eventEndsWait(task, occurredAt)) return { status: 'waiting' };
  const status = await resumeTask(ports, task, { event: payload.event, occurredAt });
  return { status, occurredAt };
}
