/**
 * Starting one journey execution for one customer, idempotently: the re-entry rule is claimed
 * first (see entry-records.ts), then StartExecution with the deterministic name; a name that
 * exists already means this entry started before, and nothing is started twice.
 */
import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { claimEntry } from './entry-records';
import { entryKeyOf, executionName } from './execution-name';
import type { JourneyRoute } from './journey-routes';

/** The clients and table a start needs. */
export interface JourneyStartPorts {
  readonly sfn: SFNClient;
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
}

/** One start request. */
export interface JourneyStartRequest {
  readonly route: JourneyRoute;
  readonly customerId: string;
  /** What caused the entry (event id, launch id…); made into the entry key. */
  readonly entryKey: string;
  /** When the customer enters: the event's time or the launch time. */
  readonly at: string;
}

/**
 * - `started`: a new execution runs;
 * - `already_started`: an execution of this name exists (a repeated event or launch);
 * - `not_eligible`: the re-entry rule keeps the customer out.
 */
export type JourneyStartOutcome = 'started' | 'already_started' | 'not_eligible';

/** The result of {@link startJourney}: the outcome and the execution name (ids only). */
export interface JourneyStart {
  readonly outcome: JourneyStartOutcome;
  readonly execution: string;
}

/** The input of every journey execution: ids only, never personal data. */
export interface JourneyExecutionInput {
  readonly customerId: string;
  readonly journey: string;
  readonly entryKey: string;
}

/** Starts `request.route`'s journey for the customer unless it already started or may not start. */
export async function startJourney(ports: JourneyStartPorts, request: JourneyStartRequest): Promise<JourneyStart> {
  const { route, customerId } = request;
  const entryKey = entryKeyOf(request.entryKey);
  const execution = executionName(route.journey, customerId, entryKey);
  const claimed = await claimEntry(
    { client: ports.dynamodb, tableName: ports.tableName },
    { customerId, journey: route.journey, entryKey, at: request.at, reEntry: route.reEntry },
  );
  if (!claimed) return { outcome: 'not_eligible', execution };
  const input: JourneyExecutionInput = { customerId, journey: route.journey, entryKey };
  try {
    await ports.sfn.send(
      new StartExecutionCommand({ stateMachineArn: route.stateMachineArn, name: execution, input: JSON.stringify(input) }),
    );
    return { outcome: 'started', execution };
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) return { outcome: 'already_started', execution };
    throw error;
  }
}
