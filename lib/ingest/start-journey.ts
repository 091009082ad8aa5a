/**
 * Starting one journey execution for one customer, idempotently: the re-entry rule is claimed
 * first (see entry-records.ts), then StartExecution with the deterministic name; a name that
 * exists already means this entry started before, and nothing is started twice.
 *
 * A name held by another customer's entry (ids that split one name at different `-`) is no
 * repeat: the entry starts under {@link distinctExecutionName}.
 *
 * A name that exists does not always fail the start: for an execution that is running with the
 * same input, StartExecution answers with that execution (its ARN and its original `startDate`),
 * as if it had started it, in AWS as in the local runtime. {@link startJourney} tells such a
 * repeat from a start by that `startDate` (see {@link startedBefore}).
 */
import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { JourneyExecutionInput } from '../journeys/execution-input';
import * as z from '../schema/zod-mini';
import { claimEntry, type EntryClaimOutcome } from './entry-records';
import { distinctExecutionName, entryKeyOf, executionArnOf, executionName } from './execution-name';
import type { JourneyRoute } from './journey-routes';

/** The clients and table a start needs. */
export interface JourneyStartPorts {
  readonly sfn: SFNClient;
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  /** The clock the start is compared with. @default the process clock (the local runtime's is virtual) */
  readonly now?: () => Date;
}

/** One start request. */
export interface JourneyStartRequest {
  readonly route: JourneyRoute;
  readonly customerId: string;
  /** What caused the entry (event id, launch id…); made into the entry key. */
  readonly entryKey: string;
  /**
   * When the customer enters: the event's time or the launch time. It goes into the execution
   * input (`enteredAt`), so it must be the same for every retry of the entry.
   */
  readonly at: string;
  /**
   * A launch enters the customer (an audience, a schedule, the inactivity scan), not their event:
   * `at` is then the launcher's start on Step Functions' clock, from which the journey's goal
   * counts (the execution input's `launched`, see goalCountsAfter).
   */
  readonly launched?: boolean;
}

/**
 * - `started`: a new execution runs;
 * - `already_started`: the customer entered under this entry key before (a repeated event or
 *   launch, or another launch naming the key), whether or not Step Functions still holds the name;
 * - `not_eligible`: the re-entry rule keeps the customer out.
 */
export type JourneyStartOutcome = 'started' | 'already_started' | 'not_eligible';

/**
 * The result of {@link startJourney}: the outcome and the execution name (ids only). A repeated
 * entry, which asks Step Functions nothing, names the execution its entry tries first.
 */
export interface JourneyStart {
  readonly outcome: JourneyStartOutcome;
  readonly execution: string;
}

/** Starts `request.route`'s journey for the customer unless it already started or may not start. */
export async function startJourney(ports: JourneyStartPorts, request: JourneyStartRequest): Promise<JourneyStart> {
  const { route, customerId } = request;
  const entryKey = entryKeyOf(request.entryKey);
  const execution = executionName(route.journey, customerId, entryKey);
  // Read before the claim, so a new execution's startDate (taken by Step Functions after both
  // calls' round trips) falls after it by more than any clock skew between the two services.
  const requestedAt = (ports.now ?? (() => new Date()))();
  const claim = await claimEntry(
    { client: ports.dynamodb, tableName: ports.tableName },
    { customerId, journey: route.journey, entryKey, at: request.at, reEntry: route.reEntry },
  );
  if (claim === 'refused') return { outcome: 'not_eligible', execution };
  // Entered under this key at another instant: once Step Functions frees the name (90 days after
  // the execution closed), StartExecution would run the journey again.
  if (claim === 'repeated') return { outcome: 'already_started', execution };
  // The instant as the claim holds it: every retry of this entry (same key, same instant) sends
  // the same input, which Step Functions requires of a StartExecution under the same name.
  const enteredAt = new Date(request.at).toISOString();
  const input: JourneyExecutionInput = { customerId, journey: route.journey, entryKey, enteredAt, ...(request.launched === true ? { launched: true as const } : {}) };
  const start = async (name: string): Promise<JourneyStart> => {
    const { startDate } = await ports.sfn.send(new StartExecutionCommand({ stateMachineArn: route.stateMachineArn, name, input: JSON.stringify(input) }));
    return { outcome: startedBefore(startDate, requestedAt, claim) ? 'already_started' : 'started', execution: name };
  };
  try {
    return await start(execution);
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
  }
  // The name is held: by this entry (it ran, or runs with another input), or by another customer's
  // entry whose ids split the same name at another `-` (see execution-name.ts).
  if (!(await heldByAnotherCustomer(ports.sfn, executionArnOf(route.stateMachineArn, execution), customerId))) {
    return { outcome: 'already_started', execution };
  }
  const distinct = distinctExecutionName(route.journey, customerId, entryKey);
  try {
    return await start(distinct);
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) return { outcome: 'already_started', execution: distinct };
    throw error;
  }
}

/** The part of a journey's execution input that names its customer. */
const ExecutionCustomerSchema = z.object({ customerId: z.string() });

/**
 * Whether execution `executionArn` runs another customer's entry: its input names another
 * customer. An execution Step Functions no longer describes counts as this customer's: a start
 * that cannot tell is left out rather than risk entering the customer twice.
 */
async function heldByAnotherCustomer(sfn: SFNClient, executionArn: string, customerId: string): Promise<boolean> {
  try {
    const { input } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const parsed = ExecutionCustomerSchema.safeParse(JSON.parse(input ?? '{}'));
    return parsed.success && parsed.data.customerId !== customerId;
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return false;
    throw error;
  }
}

/**
 * Whether the execution StartExecution answered with started before this request: a repeat of
 * the entry, answered with the running execution.
 *
 * An execution that started before the request did. At the very instant of the request, time
 * cannot tell: on AWS that takes a repeat racing the first delivery (both are then reported
 * started, one execution runs), but on the local virtual clock, which stands still while work
 * runs, a repeat at the same virtual time is common (`overture send-event` on a stopped stack
 * always runs at the saved instant). There the claim decides: an entry key claimed at this
 * instant already is a repeat. The
 * claim alone cannot decide in general: a retry after a StartExecution that failed (throttled,
 * say) claims `again` and then really starts the execution, at a later instant.
 */
function startedBefore(startDate: Date | undefined, requestedAt: Date, claim: EntryClaimOutcome): boolean {
  if (startDate === undefined) return false;
  return startedEarlier(startDate, requestedAt) || (startDate.getTime() === requestedAt.getTime() && claim === 'again');
}

/**
 * Whether StartExecution answered with an execution that was running already: Step Functions
 * answers a StartExecution with the name and input of a running execution with that execution,
 * as if it had started it, so only its `startDate`, earlier than the request, tells.
 */
export function startedEarlier(startDate: Date | undefined, requestedAt: Date): boolean {
  return startDate !== undefined && startDate.getTime() < requestedAt.getTime();
}
