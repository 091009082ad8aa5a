/**
 * Resuming the executions that wait for a customer event: each stored task token is returned
 * with SendTaskSuccess and removed. A token whose wait timed out (or whose execution ended) is
 * answered `TaskTimedOut` / `TaskDoesNotExist` by Step Functions: it is removed and counted as
 * expired, since that execution already took its timeout branch.
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
  readonly eventId: string;
  readonly occurredAt: string;
}

/** Counts of what {@link resumeWaitingExecutions} did, and the executions resumed. */
export interface ResumeResult {
  readonly resumed: readonly WaitingTask[];
  readonly expired: number;
}

/** Step Functions errors that mean the token can never be used again. */
const SPENT_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

function isSpentTokenError(error: unknown): boolean {
  return error instanceof Error && SPENT_TOKEN_ERRORS.has(error.name);
}

/** Resumes every execution of `customerId` waiting for `output.event`. */
export async function resumeWaitingExecutions(ports: ResumePorts, customerId: string, output: ResumedEventOutput): Promise<ResumeResult> {
  const store = { client: ports.dynamodb, tableName: ports.tableName };
  const tasks = await waitingTasks(store, customerId, output.event);
  const resumed: WaitingTask[] = [];
  let expired = 0;
  for (const task of tasks) {
    try {
      await ports.sfn.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: JSON.stringify(output) }));
      resumed.push(task);
    } catch (error) {
      if (!isSpentTokenError(error)) throw error;
      expired += 1;
    }
    await removeTaskToken(store, task);
  }
  return { resumed, expired };
}
