/**
 * The local Step Functions (lib/local) for tests of the code that calls Step Functions: served
 * over the SDK's wire (startStepFunctionsServer) behind a fault proxy, so the code under test
 * reaches it through an ordinary `SFNClient`, and a test can make the next call throttled
 * without anything reaching the emulator.
 *
 * State machines are real ASL run by aws-local-stepfunctions. The tests here are about who starts
 * or resumes an execution, not what a journey does, so two small machines stand in for journeys:
 * - `ends`: a single Succeed state; the execution closes at once, so a repeated start of its name
 *   is `ExecutionAlreadyExists` (and the name is free again 90 days after, on the emulator's clock);
 * - `waits`: a single wait for an event (a `.waitForTaskToken` Task) that holds the token named by
 *   its input's `taskToken` (or the execution's own), as a journey waiting for days does; its
 *   output is what SendTaskSuccess returned. With `timeoutSeconds`, the wait times out as the
 *   Task's TimeoutSeconds says, on whatever clock runs the process (a virtual one in tests).
 */
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { LOCAL_CLIENT_CONFIG } from '../../lib/local/clients';
import { startStepFunctionsServer, type StepFunctionsServer } from '../../lib/local/step-functions-server';
import { interpretedRunner, LocalStepFunctions } from '../../lib/local/step-functions';
import { LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN } from '../../lib/journeys/compile';
import type { AslDefinition, JsonValue } from '../../lib/journeys/asl';
import { startFaultProxy, type FaultProxy } from './fault-proxy';

/** How an execution of a stand-in state machine behaves; see the module comment. */
export type StandInMachine = { readonly kind: 'ends' } | { readonly kind: 'waits'; readonly timeoutSeconds?: number };

/** A task token a waiting execution was resumed with, and the output it got (as sent). */
export interface ReturnedToken {
  readonly taskToken: string;
  readonly output: string;
}

/** An execution, read back from the emulator with ListExecutions and DescribeExecution. */
export interface StartedExecution {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: string;
}

/** Options of {@link startLocalStepFunctions}. */
export interface LocalStepFunctionsOptions {
  /** State machines by ARN. */
  readonly machines?: Readonly<Record<string, StandInMachine>>;
  /** The emulator's clock (execution start and stop dates). @default the process clock */
  readonly now?: () => Date;
}

export interface LocalStepFunctionsHarness {
  /** The emulator in use (a new one after each {@link reset}). */
  readonly stepFunctions: LocalStepFunctions;
  /** A client of the emulator through the proxy; one attempt per call, so an injected fault is what the caller sees. */
  readonly client: SFNClient;
  /** The proxy's endpoint, for `AWS_ENDPOINT_URL_SFN` (stays the same across resets). */
  readonly endpoint: string;
  /** The fault proxy in front of the emulator. */
  readonly faults: FaultProxy;
  /** Tokens returned with SendTaskSuccess to a waiting execution, in order. */
  readonly returned: readonly ReturnedToken[];
  /** Makes the next StartExecution (or any next call) fail as Step Functions throttles it; nothing reaches the emulator. */
  throttleNextCall(): void;
  /** Starts an execution of the `waits` machine `stateMachineArn` holding `taskToken`; resolves once its Task waits. */
  startWaiting(stateMachineArn: string, name: string, taskToken: string): Promise<void>;
  /** Every execution the emulator knows, oldest start first, with its input. */
  executions(): Promise<StartedExecution[]>;
  /** A fresh emulator (no executions, tokens or faults) behind the same endpoint. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** The `ends` machine: its execution succeeds at once. */
const ENDS: AslDefinition = { Comment: 'an execution that closes at once', QueryLanguage: 'JSONPath', StartAt: 'done', States: { done: { Type: 'Succeed' } } };

/** The `waits` machine: one wait for an event, the execution's input as the function's payload. */
function waitDefinition(timeoutSeconds: number | undefined): AslDefinition {
  return {
    Comment: 'an execution that waits for an event',
    QueryLanguage: 'JSONPath',
    StartAt: 'waitForEvent',
    States: {
      waitForEvent: {
        Type: 'Task',
        Resource: LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN,
        Parameters: { FunctionName: 'wait-for-event', 'Payload.$': '$' },
        ...(timeoutSeconds === undefined ? {} : { TimeoutSeconds: timeoutSeconds }),
        End: true,
      },
    },
  };
}

/** The task token the payload of a `waits` Task names, if any. */
function namedToken(input: JsonValue): string | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const payload = input.Payload;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  return typeof payload.taskToken === 'string' ? payload.taskToken : undefined;
}

/** Starts the emulator, its server and the proxy on free loopback ports. */
export async function startLocalStepFunctions(options: LocalStepFunctionsOptions = {}): Promise<LocalStepFunctionsHarness> {
  const now = options.now ?? (() => new Date());
  const returned: ReturnedToken[] = [];
  /** Tokens held by waiting executions, so stop can end them (an unanswered Task keeps a timer). */
  const held = new Set<string>();
  /** Resolves when execution `name`'s Task holds its token. */
  const waiting = new Map<string, () => void>();
  let stepFunctions = new LocalStepFunctions({ now });

  const addMachines = (sfn: LocalStepFunctions) => {
    for (const [arn, machine] of Object.entries(options.machines ?? {})) {
      const definition = machine.kind === 'ends' ? ENDS : waitDefinition(machine.timeoutSeconds);
      sfn.addStateMachine({
        arn,
        definition,
        runner: interpretedRunner(definition, {
          context: () => ({}),
          taskHandlers: (execution) => ({
            waitForEvent: async (input: JsonValue) => {
              const taskToken = namedToken(input) ?? `local-task-token:${execution.name}`;
              const output = sfn.waitForToken(taskToken, execution.name);
              held.add(taskToken);
              waiting.get(execution.name)?.();
              try {
                const value = await output;
                returned.push({ taskToken, output: JSON.stringify(value) });
                return value;
              } finally {
                held.delete(taskToken);
              }
            },
          }),
        }),
      });
    }
  };
  addMachines(stepFunctions);

  let server: StepFunctionsServer = await startStepFunctionsServer(stepFunctions);
  const port = Number(new URL(server.endpoint).port);
  const faults = await startFaultProxy(server.endpoint);
  const client = new SFNClient({ ...LOCAL_CLIENT_CONFIG, endpoint: faults.endpoint, maxAttempts: 1 });

  /** Ends every execution still waiting, so that no Task's timer outlives the file. */
  const endWaits = async (sfn: LocalStepFunctions) => {
    for (const token of [...held]) {
      try {
        sfn.sendTaskFailure(token, 'TestOver', 'the test file ended');
      } catch {
        // Already answered or timed out.
      }
    }
    held.clear();
    await sfn.settled();
  };

  return {
    get stepFunctions() {
      return stepFunctions;
    },
    client,
    endpoint: faults.endpoint,
    faults,
    returned,
    throttleNextCall: () => faults.inject({ status: 400, errorType: 'ThrottlingException', message: 'Rate exceeded' }),
    startWaiting: async (stateMachineArn, name, taskToken) => {
      const holding = new Promise<void>((resolve) => waiting.set(name, resolve));
      stepFunctions.startExecution({ stateMachineArn, name, input: JSON.stringify({ taskToken }) });
      await holding;
      waiting.delete(name);
    },
    executions: async () => {
      const { executions = [] } = await client.send(new ListExecutionsCommand({}));
      const described = await Promise.all(executions.map((execution) => client.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }))));
      return described.map((execution) => ({
        stateMachineArn: execution.stateMachineArn ?? '',
        name: execution.name ?? '',
        input: execution.input ?? '',
        startDate: execution.startDate?.toISOString() ?? '',
      }));
    },
    reset: async () => {
      faults.clear();
      await endWaits(stepFunctions);
      await server.close();
      returned.length = 0;
      stepFunctions = new LocalStepFunctions({ now });
      addMachines(stepFunctions);
      server = await startStepFunctionsServer(stepFunctions, { port });
    },
    stop: async () => {
      client.destroy();
      await endWaits(stepFunctions);
      await faults.stop();
      await server.close();
    },
  };
}
