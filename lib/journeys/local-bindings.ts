/**
 * Running compiled journeys on one machine with aws-local-stepfunctions: the ASL is read out of
 * the synthesized CloudFormation template (never compiled a second time), and every Task state
 * is bound in-process to a handler by what it invokes — send, waitForEvent or journeyEffects.
 *
 * The bindings also make up for what the interpreter lacks or does differently, and nothing else:
 * - Lambda's optimized integration wraps a function's answer as `{ Payload }`; bound handlers
 *   answer plainly and are wrapped here, so `ResultSelector` reads the same in both places.
 * - There is no `.waitForTaskToken`: the waitForEvent handler itself waits (resolving when the
 *   event comes, throwing {@link WaitForEventTimeoutError} when it does not) and the Task's
 *   `Catch` on `States.Timeout` works as in AWS. `$$.Task.Token` comes from
 *   {@link localExecutionContext}.
 * - The interpreter enforces `TimeoutSeconds` with a wall-clock `setTimeout`, which Node caps at
 *   ~24.8 days (longer fires at once); {@link forLocalInterpreter} clamps it, and the handler
 *   gets the real timeout in its payload (`timeoutSeconds`).
 * - The interpreter sets `$$.Execution.StartTime` to the wall clock whatever the context says;
 *   the bindings put the execution's own start time into `enteredAt` instead, so goal checks
 *   agree with a virtual clock (`entry`, the execution input, comes from the context as it is).
 * - The interpreter keeps no `$$.State`: {@link localExecutionContext} gives it a stand-in so
 *   `$$.State.EnteredTime` resolves, and the bindings put the instant the wait began into
 *   `waitStartedAt` — the handler's clock when it is called, which is when the interpreter
 *   entered the Task (only promise callbacks run in between).
 */
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import * as z from 'zod';
import type { AslDefinition, AslState, AslTaskState, JsonValue } from './asl';
import { JOURNEY_METADATA_KEY, journeyTaskKind } from './compile';
import { type JourneyEffectsInput, type JourneyEffectsOutput, JOURNEY_EFFECTS_OUTPUT_SCHEMAS, JourneyEffectsInputSchema } from './effects-contract';
import type { JourneyExecutionInput } from './execution-input';
import { type SendStepPayload, type SendStepResult, SendStepPayloadSchema, SendStepResultSchema } from './send-contract';
import { TASK_TIMEOUT_ERROR, type WaitForEventPayload, WaitForEventPayloadSchema } from './wait-for-event-contract';

/** The functions a journey's Task states stand for, as in-process handlers. */
export interface JourneyTaskHandlers {
  /** The send function. */
  send(payload: SendStepPayload): Promise<SendStepResult>;
  /**
   * Waits for the event: resolves when it comes (the value is dropped, as in AWS), throws
   * {@link WaitForEventTimeoutError} when `payload.timeoutSeconds` passes first.
   */
  waitForEvent(payload: WaitForEventPayload): Promise<unknown>;
  /** The journeyEffects function. */
  journeyEffects(payload: JourneyEffectsInput): Promise<JourneyEffectsOutput>;
}

/**
 * Thrown by a local waitForEvent handler when the event did not come in time. Its name is the
 * Step Functions error name (`States.Timeout`) because that is what the Task's `Catch` matches.
 */
export class WaitForEventTimeoutError extends Error {
  constructor(message = 'the event did not come before the timeout', options?: ErrorOptions) {
    super(message, options);
    this.name = TASK_TIMEOUT_ERROR;
  }
}

/** A Task handler as aws-local-stepfunctions calls it: the Task's effective input in, its result out. */
export type LocalTaskHandler = (input: JsonValue) => Promise<JsonValue>;

/** How an execution runs locally: its name and (virtual) start time. */
export interface LocalExecution {
  /** The execution name (journey + customer + entry key, as the ingest function names it). */
  readonly name: string;
  /** When it started, ISO 8601; the goal check compares events with it. */
  readonly startTime: string;
  /**
   * The clock that dates the start of each wait for an event (`waitStartedAt`).
   * @default - `Date`, which the local runtime's virtual clock replaces
   */
  readonly now?: () => Date;
}

const LambdaInvokeInputSchema = z.object({ FunctionName: z.string(), Payload: z.unknown() });

/** What a Lambda payload becomes on the wire: JSON (undefined fields dropped). */
function asJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value ?? {})) as JsonValue;
}

function isTask(state: AslState): state is AslTaskState {
  return state.Type === 'Task';
}

/**
 * Binds every Task state of a compiled journey to `handlers`, validating payloads and answers
 * against their contracts (a mismatch between compiler, contract and handler fails loudly here).
 */
export function bindJourneyTasks(
  definition: AslDefinition,
  handlers: JourneyTaskHandlers,
  execution: LocalExecution,
): Record<string, LocalTaskHandler> {
  const bound: Record<string, LocalTaskHandler> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (!isTask(state)) continue;
    const payloadOf = (input: JsonValue): Record<string, unknown> => {
      const { Payload } = LambdaInvokeInputSchema.parse(input);
      const payload = z.record(z.string(), z.unknown()).parse(Payload);
      return {
        ...payload,
        ...('enteredAt' in payload ? { enteredAt: execution.startTime } : {}),
        ...('waitStartedAt' in payload ? { waitStartedAt: (execution.now?.() ?? new Date()).toISOString() } : {}),
      };
    };
    switch (journeyTaskKind(state)) {
      case 'send':
        bound[name] = async (input) => {
          // Classic `z.parse`: the send and journeyEffects contracts are written with zod/mini, whose own
          // `.parse` names its error `$ZodError`; the Task should fail with `ZodError` as every other function's does.
          const answer = await handlers.send(z.parse(SendStepPayloadSchema, payloadOf(input)));
          return { Payload: asJson(z.parse(SendStepResultSchema, answer)), StatusCode: 200 };
        };
        break;
      case 'journeyEffects':
        bound[name] = async (input) => {
          const payload = z.parse(JourneyEffectsInputSchema, payloadOf(input));
          const answer = await handlers.journeyEffects(payload);
          return { Payload: asJson(z.parse(JOURNEY_EFFECTS_OUTPUT_SCHEMAS[payload.action], answer)), StatusCode: 200 };
        };
        break;
      case 'waitForEvent':
        bound[name] = async (input) => asJson(await handlers.waitForEvent(WaitForEventPayloadSchema.parse(payloadOf(input))));
        break;
    }
  }
  return bound;
}

/** The longest `TimeoutSeconds` the interpreter can honour: Node's `setTimeout` limit. */
export const MAX_LOCAL_TIMEOUT_SECONDS = Math.floor(2 ** 31 / 1000) - 1;

/**
 * A copy of `definition` the interpreter runs as AWS would: Task timeouts beyond Node's timer
 * limit are clamped (the waitForEvent handler applies the real one from its payload).
 */
export function forLocalInterpreter(definition: AslDefinition): AslDefinition {
  const states = Object.fromEntries(
    Object.entries(definition.States).map(([name, state]) => [
      name,
      isTask(state) && state.TimeoutSeconds !== undefined && state.TimeoutSeconds > MAX_LOCAL_TIMEOUT_SECONDS
        ? { ...state, TimeoutSeconds: MAX_LOCAL_TIMEOUT_SECONDS }
        : state,
    ]),
  );
  return { ...definition, States: states };
}

/**
 * The context object of a local execution: its name, a task token for waitForEvent Tasks, and a
 * stand-in `State` (the interpreter keeps none; the bindings date each wait themselves).
 */
export function localExecutionContext(execution: LocalExecution, input: JsonValue): Record<string, JsonValue> {
  return {
    Execution: {
      Id: `arn:aws:states:local:000000000000:execution:journey:${execution.name}`,
      Name: execution.name,
      Input: input,
      StartTime: execution.startTime,
    },
    State: { EnteredTime: execution.startTime },
    // One token per execution is enough: an execution waits for one event at a time.
    Task: { Token: `local-task-token:${execution.name}` },
  };
}

/** Wait and retry pauses of every state set to `ms` (0 for tests; the local runtime keeps its own clock). */
export function pauseOverrides(definition: AslDefinition, ms = 0): {
  waitTimeOverrides: Record<string, number>;
  retryIntervalOverrides: Record<string, number>;
} {
  const entries = Object.entries(definition.States);
  return {
    waitTimeOverrides: Object.fromEntries(entries.filter(([, state]) => state.Type === 'Wait').map(([name]) => [name, ms])),
    retryIntervalOverrides: Object.fromEntries(entries.filter(([, state]) => isTask(state) && state.Retry).map(([name]) => [name, ms])),
  };
}

/** The result of {@link runJourneyLocally}. */
export interface LocalRun {
  /** The execution's output (its final state data). */
  readonly output: JsonValue;
  /** Every state entered, in order, plus one entry per retry: the billed state transitions. */
  readonly transitions: readonly string[];
}

/** Options of {@link runJourneyLocally}. */
export interface LocalRunOptions {
  /** Pauses of Wait states in ms, by state name; states not listed wait as the definition says. */
  readonly waitTimeOverrides?: Record<string, number>;
  /** Pauses before retries in ms, by state name. */
  readonly retryIntervalOverrides?: Record<string, number>;
}

/**
 * One compiled journey loaded into aws-local-stepfunctions, ready to run executions. Loading
 * validates the definition, which takes a while, so the local runtime keeps one runner per
 * journey and runs every execution on it (executions are independent and may overlap).
 */
export class LocalJourneyRunner {
  private readonly definition: AslDefinition;
  private readonly machine: StateMachine;

  constructor(definition: AslDefinition) {
    this.definition = forLocalInterpreter(definition);
    // The interpreter's ASL types are stricter unions of the same JSON; ours passes asl-validator in tests.
    this.machine = new StateMachine(this.definition as unknown as StateMachineDefinition);
  }

  /**
   * Runs one execution with its Tasks bound to `handlers`, and returns its output and the state
   * transitions it took.
   *
   * @throws the interpreter's `ExecutionError` when the execution fails
   */
  async run(
    input: JourneyExecutionInput,
    handlers: JourneyTaskHandlers,
    execution: LocalExecution,
    options: LocalRunOptions = {},
  ): Promise<LocalRun> {
    const run = this.machine.run(input, {
      context: localExecutionContext(execution, input),
      overrides: {
        taskResourceLocalHandlers: bindJourneyTasks(this.definition, handlers, execution),
        waitTimeOverrides: options.waitTimeOverrides,
        retryIntervalOverrides: options.retryIntervalOverrides,
      },
    });
    const transitions: string[] = [];
    const collecting = (async () => {
      for await (const event of run.eventLogs) {
        if (event.type === 'StateEntered' || event.type === 'StateRetried') transitions.push(event.state.name);
      }
    })();
    try {
      const output = (await run.result) as JsonValue;
      return { output, transitions };
    } finally {
      await collecting;
    }
  }
}

/** Runs one execution on a runner made for it; see {@link LocalJourneyRunner}. */
export function runJourneyLocally(
  definition: AslDefinition,
  input: JourneyExecutionInput,
  handlers: JourneyTaskHandlers,
  execution: LocalExecution,
  options: LocalRunOptions = {},
): Promise<LocalRun> {
  return new LocalJourneyRunner(definition).run(input, handlers, execution, options);
}

// ---------------------------------------------------------------------------------------------
// Reading the ASL back out of a synthesized template

const TemplateSchema = z.object({
  Resources: z.record(
    z.string(),
    z.object({ Type: z.string(), Properties: z.record(z.string(), z.unknown()).optional(), Metadata: z.record(z.string(), z.unknown()).optional() }),
  ),
});

/** Raised when a template's state machine definition cannot be read back. */
export class TemplateDefinitionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TemplateDefinitionError';
  }
}

/**
 * The local stand-in for a resource's ARN: `arn:aws:lambda:local:000000000000:function:<LogicalId>`
 * for functions, so the local runtime can map ARNs back to logical ids (and handlers).
 */
export function localArnOf(logicalId: string, resourceType: string | undefined): string {
  return resourceType === 'AWS::Lambda::Function'
    ? `arn:aws:lambda:local:000000000000:function:${logicalId}`
    : `arn:aws:local:local:000000000000:${logicalId}`;
}

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'local',
  'AWS::AccountId': '000000000000',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Resolves the intrinsic functions CDK puts in a `DefinitionString` (Fn::Join, Fn::GetAtt, Ref). */
function resolveString(value: unknown, types: Record<string, string>): string {
  if (typeof value === 'string') return value;
  const record = z.record(z.string(), z.unknown()).safeParse(value);
  if (record.success) {
    const join = z.tuple([z.string(), z.array(z.unknown())]).safeParse(record.data['Fn::Join']);
    if (join.success) return join.data[1].map((part) => resolveString(part, types)).join(join.data[0]);
    const getAtt = z.tuple([z.string(), z.string()]).safeParse(record.data['Fn::GetAtt']);
    if (getAtt.success) return localArnOf(getAtt.data[0], types[getAtt.data[0]]);
    const ref = z.string().safeParse(record.data.Ref);
    if (ref.success) return PSEUDO_PARAMETERS[ref.data] ?? localArnOf(ref.data, types[ref.data]);
  }
  throw new TemplateDefinitionError(`cannot resolve ${JSON.stringify(value)} in a state machine definition`);
}

/**
 * Every journey state machine of a synthesized template, by journey id, with function ARNs
 * replaced by {@link localArnOf} stand-ins.
 */
export function journeyDefinitionsFromTemplate(template: unknown): Map<string, AslDefinition> {
  const { Resources } = TemplateSchema.parse(template);
  const types = Object.fromEntries(Object.entries(Resources).map(([id, resource]) => [id, resource.Type]));
  const definitions = new Map<string, AslDefinition>();
  for (const [logicalId, resource] of Object.entries(Resources)) {
    const journeyId = resource.Metadata?.[JOURNEY_METADATA_KEY];
    if (resource.Type !== 'AWS::StepFunctions::StateMachine' || typeof journeyId !== 'string') continue;
    const text = resolveString(resource.Properties?.DefinitionString, types);
    try {
      definitions.set(journeyId, JSON.parse(text) as AslDefinition);
    } catch (error) {
      throw new TemplateDefinitionError(`state machine ${logicalId} (journey "${journeyId}") has a definition that is not JSON`, { cause: error });
    }
  }
  return definitions;
}
