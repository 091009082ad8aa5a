/** TransactWriteItems with the store's handling of cancellations. */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type CancellationReason,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { CustomerStoreError, StoreContentionError } from './errors';

/** Waits `ms` milliseconds: how the store pauses between attempts (see `CustomerStoreOptions.pause`). */
export type Pause = (ms: number) => Promise<void>;

/** The pause of AWS and of tests: a `setTimeout` timer. */
export const timerPause: Pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Committed, or cancelled with one reason per action (in the order given). */
export type TransactionResult =
  | { readonly committed: true }
  | { readonly committed: false; readonly reasons: readonly CancellationReason[] };

/** Attempts made when DynamoDB cancels for a `TransactionConflict` with another in-flight transaction. */
const CONFLICT_ATTEMPTS = 5;

/**
 * Runs one transaction. A cancellation caused by failed conditions is returned for the caller to
 * interpret; one caused only by a conflicting concurrent transaction is retried with jitter, since
 * nothing the caller asserted was found false; any other cancellation is thrown.
 *
 * A single Put, Update or Delete is sent as that one conditional write instead: DynamoDB applies a
 * single-item write atomically on its own, at half the write capacity a transaction costs. Its
 * failed condition is answered as a transaction's would be.
 */
export async function transactWrite(
  client: DynamoDBClient,
  items: TransactWriteItem[],
  what: string,
  pause: Pause = timerPause,
): Promise<TransactionResult> {
  const [only] = items;
  if (items.length === 1 && only !== undefined && only.ConditionCheck === undefined) return singleWrite(client, only);
  return retryingConflicts(what, pause, async () => {
    try {
      await client.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return { committed: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons.some((reason) => reason.Code === 'ConditionalCheckFailed')) return { committed: false, reasons };
      if (isConflict(error)) throw error;
      const codes = reasons.map((reason) => reason.Code ?? 'None').join(', ');
      throw new CustomerStoreError(`${what}: transaction cancelled [${codes}]`, { cause: error });
    }
  });
}

/**
 * Runs `request` (a transaction, a transactional read) again, with jitter, while DynamoDB cancels
 * it only for a conflicting transaction in flight on the same items: nothing it asserted was
 * found false. @throws StoreContentionError after {@link CONFLICT_ATTEMPTS} such cancellations
 */
export async function retryingConflicts<T>(what: string, pause: Pause, request: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await request();
    } catch (error) {
      if (!isConflict(error)) throw error;
      if (attempt >= CONFLICT_ATTEMPTS) throw new StoreContentionError(`${what}: transaction kept conflicting after ${attempt} attempts`, { cause: error });
      await pause(Math.random() * 20 * attempt);
    }
  }
}

/** A cancellation for a conflicting transaction alone, no condition found false. */
function isConflict(error: unknown): boolean {
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code);
  return codes.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed');
}

/** One transaction action as the single-item write it is. */
async function singleWrite(client: DynamoDBClient, action: TransactWriteItem): Promise<TransactionResult> {
  try {
    if (action.Put !== undefined) await client.send(new PutItemCommand(action.Put));
    else if (action.Update !== undefined) await client.send(new UpdateItemCommand(action.Update));
    else if (action.Delete !== undefined) await client.send(new DeleteItemCommand(action.Delete));
    else throw new CustomerStoreError('a transaction action names no Put, Update or Delete');
    return { committed: true };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { committed: false, reasons: [{ Code: 'ConditionalCheckFailed', ...(error.Item === undefined ? {} : { Item: error.Item }) }] };
  }
}

/** Whether the action at `index` was cancelled because its condition was false. */
export function conditionFailedAt(result: TransactionResult, index: number): boolean {
  return !result.committed && result.reasons[index]?.Code === 'ConditionalCheckFailed';
}
