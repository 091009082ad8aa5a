/**
 * Step Functions as the ingest path sees it, faked on top of aws-sdk-client-mock: StartExecution
 * refuses a name it has seen (ExecutionAlreadyExists, as for an execution that ended) — or, with
 * `running`, answers as AWS does while the execution runs: the same input gets that execution back
 * (its ARN and original start date), another input ExecutionAlreadyExists — and can be made to
 * refuse the next call as throttled, describes the execution that holds a name (DescribeExecution), and can free a name as Step Functions does 90 days after its
 * execution closed (StartExecution then starts it again); SendTaskSuccess accepts a token once and
 * answers `TaskTimedOut` afterwards — as Step Functions does once the task is closed — and for
 * the tokens a test marks as timed out.
 */
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SendTaskSuccessCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  type DescribeExecutionCommandInput,
  type SendTaskSuccessCommandInput,
  type StartExecutionCommandInput,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { executionArnOf } from '../../lib/ingest/execution-name';

/** A fake of the Step Functions API calls ingest makes. */
export interface FakeStepFunctions {
  readonly client: SFNClient;
  /** Executions started, in order. */
  readonly started: StartExecutionCommandInput[];
  /** Tokens returned with SendTaskSuccess and accepted (each once), in order. */
  readonly succeeded: SendTaskSuccessCommandInput[];
  /** Makes SendTaskSuccess on `token` fail as Step Functions does after the wait's timeout. */
  timeOut(token: string): void;
  /** Makes the next StartExecution fail with `ThrottlingException`, starting nothing. */
  throttleNextStart(): void;
  /** Frees `name`, as Step Functions does 90 days after its execution closed: a StartExecution with it starts a new execution. */
  freeName(name: string): void;
  reset(): void;
}

/** Options of {@link fakeStepFunctions}. */
export interface FakeStepFunctionsOptions {
  /** Executions stay running (journeys wait for days): see the module comment. @default false */
  readonly running?: boolean;
  /** The clock executions' start dates are read from. @default the process clock */
  readonly now?: () => Date;
}

/** Creates the fake (one per test file: aws-sdk-client-mock patches every SFNClient). */
export function fakeStepFunctions(options: FakeStepFunctionsOptions = {}): FakeStepFunctions {
  const mock = mockClient(SFNClient);
  const started: StartExecutionCommandInput[] = [];
  const succeeded: SendTaskSuccessCommandInput[] = [];
  const timedOut = new Set<string>();
  const startDates = new Map<string, Date>();
  /** How many executions of each name were freed (see freeName): that many earlier starts no longer hold it. */
  const freed = new Map<string, number>();
  let throttleNext = false;
  /** The execution that holds the name of `executionArn`, unless freed. */
  const holder = (executionArn: string): StartExecutionCommandInput | undefined => {
    const holders = started.filter((execution) => executionArnOf(execution.stateMachineArn ?? '', execution.name ?? '') === executionArn);
    return holders.length > (freed.get(executionArn.slice(executionArn.lastIndexOf(':') + 1)) ?? 0) ? holders[holders.length - 1] : undefined;
  };
  const install = () => {
    mock.on(StartExecutionCommand).callsFake((input: StartExecutionCommandInput) => {
      if (throttleNext) {
        throttleNext = false;
        throw new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', $metadata: {} });
      }
      const executionArn = executionArnOf(input.stateMachineArn ?? '', input.name ?? '');
      const existing = holder(executionArn);
      if (existing !== undefined) {
        if (options.running && existing.input === input.input) return { executionArn, startDate: startDates.get(executionArn) };
        throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${input.name}'`, $metadata: {} });
      }
      started.push(input);
      const startDate = options.now?.() ?? new Date();
      startDates.set(executionArn, startDate);
      return { executionArn, startDate };
    });
    mock.on(DescribeExecutionCommand).callsFake((input: DescribeExecutionCommandInput) => {
      const existing = holder(input.executionArn ?? '');
      if (existing === undefined) throw new ExecutionDoesNotExist({ message: `Execution Does Not Exist: '${input.executionArn}'`, $metadata: {} });
      return { executionArn: input.executionArn, name: existing.name, input: existing.input, startDate: startDates.get(input.executionArn ?? '') };
    });
    mock.on(SendTaskSuccessCommand).callsFake((input: SendTaskSuccessCommandInput) => {
      const closed = timedOut.has(input.taskToken ?? '') || succeeded.some((earlier) => earlier.taskToken === input.taskToken);
      if (closed) {
        throw new SFNServiceException({ name: 'TaskTimedOut', $fault: 'client', message: 'Task Timed Out', $metadata: {} });
      }
      succeeded.push(input);
      return {};
    });
  };
  install();
  return {
    client: new SFNClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
    started,
    succeeded,
    timeOut: (token) => timedOut.add(token),
    throttleNextStart: () => {
      throttleNext = true;
    },
    freeName: (name) => {
      freed.set(name, (freed.get(name) ?? 0) + 1);
    },
    reset: () => {
      started.length = 0;
      succeeded.length = 0;
      timedOut.clear();
      startDates.clear();
      freed.clear();
      throttleNext = false;
      mock.reset();
      install();
    },
  };
}
