/**
 * Resuming the executions that wait for a customer event: each stored task token whose wait
 * began no later than the event happened, and whose entry was before it, is returned with
 * SendTaskSuccess and removed. A wait that began after the event, or whose execution the event
 * itself started, keeps waiting for a later one.
 *
 * Two callers return tokens: the ingest function (when the event arrives) and the waitForEvent
 * function (when the event arrived before the token was stored, see event-wait.ts). Both may
 * return the same token. Step Functions completes a task once and answers any later
 * SendTaskSuccess `TaskTimedOut` (or `TaskDoesNotExist` / `InvalidToken` once the execution is
 * gone), so the second caller finds the token spent: it removes the item and counts it as spent,
 * not as an error. The token is removed only after SendTaskSuccess: removing it first would let a
 * crash in between lose the resume, since a retry would no longer find the token.
 */
import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { removeTaskToken, waitingTasks, type WaitingTask } from './task-tokens';

/** The clients and table resuming needs. */
export interface ResumePorts {
  readonly sfn: SFNClient;
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
}

/** What the waitForEvent Task receives as its result: ids and the instant only. */
export interface ResumedEventOutput {
  readonly event: string;
  /**
   * The event's id; absent when the waitForEvent function resumed the execution itself, from the
   * customer's `lastEvent.<event>` attribute, which keeps the instant only.
   */
  readonly eventId?: string;
  readonly occurredAt: string;
}

/** Counts of what {@link resumeWaitingExecutions} did, and the executions resumed. */
export interface ResumeResult {
  readonly resumed: readonly WaitingTask[];
  /** Tokens already spent: the wait timed out, the execution ended, or the waitForEvent function resumed it. */
  readonly expired: number;
  /** Waits that began after the event happened, or whose journey it entered: they keep waiting. */
  readonly later: number;
}

/** What returning one token did. */
export type TaskResumeOutcome = 'resumed' | 'spent';

/** Step Functions errors that mean the token can never be used again. */
const SPENT_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

function isSpentTokenError(error: unknown): boolean {
  return error instanceof Error && SPENT_TOKEN_ERRORS.has(error.name);
}

/**
 * Whether an event that happened at `occurredAt` ends `wait`: it must not be older than the wait
 * (at its start still counts: a local run's clock stands still while work is in flight, so an
 * event sent as the wait begins bears its very instant), and it must be strictly after the
 * entry's own instant. Without the latter, a wait for the event that entered the journey ended at
 * once on the entry itself whenever its producer's clock ran ahead of Step Functions', and on any
 * redelivery of it (see goalCountsAfter, which rules the same for goals). A wait without a start
 * or an entry instant (see the waitForEvent contract) is bounded by what it has.
 */
export function eventEndsWait(wait: Pick<WaitingTask, 'waitStartedAt' | 'entryAt'>, occurredAt: string): boolean {
  const at = Date.parse(occurredAt);
  const sinceStart = wait.waitStartedAt === undefined || at >= Date.parse(wait.waitStartedAt);
  const afterEntry = wait.entryAt === undefined || at > Date.parse(wait.entryAt);
  return sinceStart && afterEntry;
}

/** Returns one task token with SendTaskSuccess, then removes it (unless a newer wait replaced it). */
export async function resumeTask(ports: ResumePorts, task: WaitingTask, output: ResumedEventOutput): Promise<TaskResumeOutcome> {
  let outcome: TaskResumeOutcome = 'resumed';
  try {
    await ports.sfn.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: JSON.stringify(output) }));
  } catch (error) {
    if (!isSpentTokenError(error)) throw error;
    outcome = 'spent';
  }
  await removeTaskToken({ client: ports.dynamodb, tableName: ports.tableName }, task);
  return outcome;
}

/** Resumes every execution of `customerId` waiting for `output.event` since before it happened. */
export async function resumeWaitingExecutions(ports: ResumePorts, customerId: string, output: ResumedEventOutput): Promise<ResumeResult> {
  const tasks = await waitingTasks({ client: ports.dynamodb, tableName: ports.tableName }, customerId, output.event);
  const resumed: WaitingTask[] = [];
  let expired = 0;
  let later = 0;
  for (const task of tasks) {
    if (!eventEndsWait(task, output.occurredAt)) {
      later += 1;
      continue;
    }
    if ((await resumeTask(ports, task, output)) === 'resumed') resumed.push(task);
    else expired += 1;
  }
  return { resumed, expired, later };
}
