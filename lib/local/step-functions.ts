/**
 * Step Functions on one machine: the state machines of the synthesized template run by
 * aws-local-stepfunctions, plus what that interpreter lacks and the rest of the system relies on:
 *
 * - executions by name: a second StartExecution with the name of an existing execution starts
 *   nothing (`ExecutionAlreadyExists`, or the same execution when it runs with the same input)
 *   until 90 days after that execution closed, when the name starts a new one, as in AWS; the
 *   registry of names can be kept on disk so a restarted runtime knows what ran;
 * - task tokens: a waitForEvent Task registers its token and waits; `SendTaskSuccess` resumes it,
 *   and a token whose execution moved on answers `TaskTimedOut` / `TaskDoesNotExist`, as in AWS;
 * - status: every execution's status and current state, for `overture status`;
 * - checkpoints: when a journey enters a top-level Wait state or a wait for an event, where it is
 *   (the state, its input, when the wait ends or times out) is kept in the registry, so an
 *   execution that a restart finds running carries on from its last wait, with the time that was
 *   left, instead of from its first state; a wait for an event also counts events from when it
 *   first began (see task-handlers.ts). Steps after that wait run again (the send ledger keeps
 *   each to one message). A failed execution keeps the state it failed in,
 *   with that state's input, and a redrive carries it on from there, as RedriveExecution does in
 *   AWS: what the failed run decided before that state (a wait for an event that ended, a branch
 *   taken) stands, rather than being decided again on what is known at the redrive.
 *
 * Task states are bound to in-process handlers by the runtime (see task-handlers.ts). The SDK
 * reaches all this through {@link startStepFunctionsServer}, like any other emulator.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import * as z from 'zod';
import { executionArnOf } from '../ingest/execution-name';
import type { AslDefinition, JsonValue } from '../journeys/asl';
import { LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN } from '../journeys/compile';
import { endLastLine } from './data-files';

/** An execution's status, as `DescribeExecution` reports it. */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

/**
 * Where a running execution can be carried on from: a top-level state that waits, the state's
 * input (JSON), and the instant its wait ends (absent when the state computes it from its input).
 */
export const CheckpointSchema = z.object({ state: z.string().min(1), input: z.string(), until: z.string().optional() });
export type Checkpoint = z.infer<typeof CheckpointSchema>;

/** One execution, as the registry keeps it (ids only: the input holds ids by design). */
export const ExecutionRecordSchema = z.object({
  name: z.string().min(1),
  stateMachineArn: z.string().min(1),
  /**
   * The journey its state machine runs; absent for a state machine that runs none (the audience
   * launcher), and in records written before it was kept.
   */
  journey: z.string().min(1).optional(),
  input: z.string(),
  status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED']),
  startDate: z.string(),
  stopDate: z.string().optional(),
  /** The error name of a failed execution. */
  error: z.string().optional(),
  /** The last wait it entered (see the module comment); for a failed execution, the state it failed in, where a redrive carries on. */
  checkpoint: CheckpointSchema.optional(),
  /** How often it was redriven, and when last; absent when never. */
  redriveCount: z.number().int().positive().optional(),
  redriveDate: z.string().optional(),
});
export type ExecutionRecord = z.infer<typeof ExecutionRecordSchema> & {
  /** The state the execution is in (not persisted). */
  currentState?: string;
};

/** How one state machine runs: journeys through the interpreter, the launcher by the runtime. */
export interface LocalStateMachine {
  readonly arn: string;
  /** The journey it runs, when it is a journey. */
  readonly journey?: string;
  readonly definition: AslDefinition;
  /**
   * Runs one execution; resolves with its output. Journeys use {@link interpretedRunner}; the
   * audience launcher (a Distributed Map) is run by the runtime itself.
   */
  readonly runner: ExecutionRunner;
}

/** Runs one execution of a state machine. */
export type ExecutionRunner = (execution: RunningExecution) => Promise<unknown>;

/** What a runner gets: the execution's identity and a way to report its current state. */
export interface RunningExecution {
  readonly name: string;
  readonly arn: string;
  readonly input: JsonValue;
  /** When it started (virtual time, ISO 8601). */
  readonly startDate: string;
  /** Records the state the execution entered. */
  enteredState(name: string): void;
  /** Where to carry on from, when a restart resumes it; absent: from the first state. */
  readonly resumeFrom?: Checkpoint;
  /** Records that the execution entered a wait it can be carried on from. */
  checkpointed(checkpoint: Checkpoint): void;
  /** Records the top-level state the execution failed in, with its input: a redrive carries on from there. */
  failedIn(checkpoint: Checkpoint): void;
}

/** Step Functions API errors, named as the service names them (the SDK maps them by name). */
export class StepFunctionsApiError extends Error {
  constructor(
    readonly code:
      | 'ExecutionAlreadyExists'
      | 'StateMachineDoesNotExist'
      | 'ExecutionDoesNotExist'
      | 'ExecutionNotRedrivable'
      | 'TaskDoesNotExist'
      | 'TaskTimedOut'
      | 'InvalidToken'
      | 'ValidationException',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'StepFunctionsApiError';
  }
}

/** Raised inside a waiting Task when SendTaskFailure answers its token. */
export class TaskFailureError extends Error {
  constructor(name: string, cause: string | undefined) {
    super(cause ?? name);
    this.name = name;
  }
}

interface WaitingToken {
  readonly execution: string;
  readonly resolve: (output: JsonValue) => void;
  readonly reject: (error: Error) => void;
}

/** Options of {@link LocalStepFunctions}. */
export interface LocalStepFunctionsOptions {
  /** The virtual (or wall) clock. */
  readonly now: () => Date;
  /** JSON-lines file of the execution registry; in memory only when absent. */
  readonly registryFile?: string;
}

const ARN_PREFIX = 'arn:aws:states:local:000000000000';

/**
 * How long Step Functions keeps a closed execution's name: 90 days after its stop date, a
 * StartExecution with the name starts a new execution (ExecutionAlreadyExists before that).
 */
export const EXECUTION_NAME_RETENTION_DAYS = 90;
const EXECUTION_NAME_RETENTION_MS = EXECUTION_NAME_RETENTION_DAYS * 86_400_000;

/** The ARN of a local state machine named `name`. */
export function localStateMachineArn(name: string): string {
  return `${ARN_PREFIX}:stateMachine:${name}`;
}

/** See the module comment. */
export class LocalStepFunctions {
  private readonly machines = new Map<string, LocalStateMachine>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly tokens = new Map<string, WaitingToken>();
  /** Tokens of waits that ended without being answered (timed out, execution over). */
  private readonly spentTokens = new Set<string>();
  private registryWrites: Promise<void> = Promise.resolve();
  private registryFolder: Promise<unknown> | undefined;

  constructor(private readonly options: LocalStepFunctionsOptions) {}

  /** Makes a state machine startable. */
  addStateMachine(machine: LocalStateMachine): void {
    this.machines.set(machine.arn, machine);
  }

  /** The state machines, by ARN. */
  stateMachines(): LocalStateMachine[] {
    return [...this.machines.values()];
  }

  /**
   * Reads the registry file (if any): executions that were running when the previous process
   * stopped are returned, to be carried on under the same name from their last checkpoint (their
   * sends are in the send ledger, so nothing is sent twice).
   */
  async loadRegistry(): Promise<ExecutionRecord[]> {
    const file = this.options.registryFile;
    if (file === undefined) return [];
    await endLastLine(file); // a kill may have cut the last record short
    for (const record of await readExecutionRegistry(file)) this.executions.set(record.name, record);
    return [...this.executions.values()].filter((record) => record.status === 'RUNNING');
  }

  /** Runs again an execution the previous process left running (see {@link loadRegistry}). */
  resume(record: ExecutionRecord): void {
    const machine = this.machines.get(record.stateMachineArn);
    if (machine === undefined) {
      this.finish(record, 'ABORTED', 'StateMachineDoesNotExist');
      return;
    }
    this.launch(machine, record);
  }

  /**
   * StartExecution. The same name and input as a running execution returns that execution;
   * any other existing name is `ExecutionAlreadyExists`, until {@link EXECUTION_NAME_RETENTION_DAYS}
   * after the execution closed: then the name starts a new execution, which replaces the closed
   * one, as in AWS (whose closed execution is gone by then).
   */
  startExecution(request: { stateMachineArn: string; name: string; input?: string }): { executionArn: string; startDate: string } {
    const machine = this.machines.get(request.stateMachineArn);
    if (machine === undefined) throw new StepFunctionsApiError('StateMachineDoesNotExist', `state machine ${request.stateMachineArn} does not exist`);
    const input = request.input ?? '{}';
    const existing = this.executions.get(request.name);
    if (existing !== undefined && !this.nameFreed(existing)) {
      if (existing.status === 'RUNNING' && existing.input === input && existing.stateMachineArn === request.stateMachineArn) {
        return { executionArn: executionArnOf(existing.stateMachineArn, existing.name), startDate: existing.startDate };
      }
      throw new StepFunctionsApiError('ExecutionAlreadyExists', `execution ${request.name} already exists`);
    }
    const record: ExecutionRecord = {
      name: request.name,
      stateMachineArn: machine.arn,
      ...(machine.journey === undefined ? {} : { journey: machine.journey }),
      input,
      status: 'RUNNING',
      startDate: this.options.now().toISOString(),
    };
    // A reused name's new execution is the newest: listed after every other.
    this.executions.delete(record.name);
    this.executions.set(record.name, record);
    this.persist(record);
    this.launch(machine, record);
    return { executionArn: executionArnOf(machine.arn, record.name), startDate: record.startDate };
  }

  /**
   * RedriveExecution: runs a failed or aborted execution again under its name: a failed one from
   * the state it failed in, with that state's input, as AWS does (from its last wait, or its first
   * state, when its runner did not say where it failed); an aborted one (its state machine was
   * gone) from its first state. The send ledger keeps every step it runs again to one message.
   * Anything else is `ExecutionNotRedrivable`.
   */
  redriveExecution(nameOrArn: string): { redriveDate: string; redriveCount: number } {
    const record = redrivableExecution(this.executions, nameOrArn);
    const machine = this.machines.get(record.stateMachineArn);
    if (machine === undefined) throw new StepFunctionsApiError('StateMachineDoesNotExist', `state machine ${record.stateMachineArn} does not exist`);
    record.status = 'RUNNING';
    delete record.stopDate;
    delete record.error;
    const redriven = { redriveCount: (record.redriveCount ?? 0) + 1, redriveDate: this.options.now().toISOString() };
    Object.assign(record, redriven);
    this.persist(record);
    this.launch(machine, record);
    return redriven;
  }

  /** DescribeExecution by name or ARN. */
  describeExecution(nameOrArn: string): ExecutionRecord {
    return existingExecution(this.executions, nameOrArn);
  }

  /** Every execution, oldest first. */
  listExecutions(filter: { stateMachineArn?: string; status?: ExecutionStatus } = {}): ExecutionRecord[] {
    return [...this.executions.values()].filter(
      (record) =>
        (filter.stateMachineArn === undefined || record.stateMachineArn === filter.stateMachineArn) &&
        (filter.status === undefined || record.status === filter.status),
    );
  }

  /** The number of executions still running. */
  get runningCount(): number {
    return this.running.size;
  }

  /**
   * Registers a task token and resolves when SendTaskSuccess answers it (rejects on
   * SendTaskFailure). The caller enforces no timeout: the Task's `TimeoutSeconds` does.
   */
  waitForToken(token: string, execution: string): Promise<JsonValue> {
    this.spentTokens.delete(token);
    return new Promise<JsonValue>((resolve, reject) => {
      this.tokens.set(token, { execution, resolve, reject });
    });
  }

  /** Drops a token whose wait ended another way (the Task timed out). */
  releaseToken(token: string): void {
    if (this.tokens.delete(token)) this.spentTokens.add(token);
  }

  /** SendTaskSuccess. */
  sendTaskSuccess(token: string, output: string): void {
    const waiting = this.takeToken(token);
    let value: JsonValue;
    try {
      value = JSON.parse(output) as JsonValue;
    } catch (error) {
      throw new StepFunctionsApiError('ValidationException', 'output is not JSON', { cause: error });
    }
    waiting.resolve(value);
  }

  /** SendTaskFailure. */
  sendTaskFailure(token: string, error: string | undefined, cause: string | undefined): void {
    this.takeToken(token).reject(new TaskFailureError(error ?? 'States.TaskFailed', cause));
  }

  /** Resolves once every running execution has ended (used when shutting down tests). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  /** Resolves once the registry file has every line written so far. */
  flush(): Promise<void> {
    return this.registryWrites;
  }

  /** Whether the closed execution `record` no longer holds its name (see {@link startExecution}). */
  private nameFreed(record: ExecutionRecord): boolean {
    if (record.status === 'RUNNING' || record.stopDate === undefined) return false;
    return this.options.now().getTime() - Date.parse(record.stopDate) >= EXECUTION_NAME_RETENTION_MS;
  }

  private takeToken(token: string): WaitingToken {
    const waiting = this.tokens.get(token);
    if (waiting === undefined) {
      if (this.spentTokens.has(token)) throw new StepFunctionsApiError('TaskTimedOut', 'the task timed out');
      if (token.startsWith('local-task-token:')) throw new StepFunctionsApiError('TaskDoesNotExist', 'no task waits with this token');
      throw new StepFunctionsApiError('InvalidToken', 'not a task token of this runtime');
    }
    this.tokens.delete(token);
    this.spentTokens.add(token);
    return waiting;
  }

  private launch(machine: LocalStateMachine, record: ExecutionRecord): void {
    let input: JsonValue;
    try {
      input = JSON.parse(record.input) as JsonValue;
    } catch {
      this.finish(record, 'FAILED', 'States.Runtime');
      return;
    }
    const execution: RunningExecution = {
      name: record.name,
      arn: executionArnOf(machine.arn, record.name),
      input,
      startDate: record.startDate,
      enteredState: (state) => {
        record.currentState = state;
      },
      resumeFrom: record.checkpoint,
      checkpointed: (checkpoint) => {
        // Only a persisted registry outlives the process; in memory, a checkpoint has no use.
        if (this.options.registryFile === undefined) return;
        record.checkpoint = checkpoint;
        this.persist(record);
      },
      // Kept in memory too: a redrive needs it whether or not the registry is on disk (finish persists it).
      failedIn: (checkpoint) => {
        record.checkpoint = checkpoint;
      },
    };
    const done = machine
      .runner(execution)
      .then(
        () => this.finish(record, 'SUCCEEDED'),
        (error: unknown) => this.finish(record, 'FAILED', errorName(error)),
      )
      .finally(() => {
        this.running.delete(record.name);
        for (const [token, waiting] of this.tokens) if (waiting.execution === record.name) this.releaseToken(token);
      });
    this.running.set(record.name, done);
  }

  private finish(record: ExecutionRecord, status: ExecutionStatus, error?: string): void {
    record.status = status;
    // A redrive of a failed execution carries it on from the state it failed in (or its last wait).
    if (status !== 'FAILED') delete record.checkpoint;
    record.stopDate = this.options.now().toISOString();
    if (error !== undefined) record.error = error;
    this.persist(record);
  }

  private persist(record: ExecutionRecord): void {
    const file = this.options.registryFile;
    if (file === undefined) return;
    const { currentState: _state, ...stored } = record;
    const line = `${JSON.stringify(stored)}\n`;
    this.registryFolder ??= mkdir(path.dirname(file), { recursive: true });
    const folder = this.registryFolder;
    this.registryWrites = this.registryWrites.then(async () => {
      await folder;
      await appendFile(file, line, 'utf8');
    });
  }
}

/** The execution `nameOrArn` names among `executions` (by name). @throws StepFunctionsApiError ExecutionDoesNotExist */
function existingExecution(executions: ReadonlyMap<string, ExecutionRecord>, nameOrArn: string): ExecutionRecord {
  const name = nameOrArn.includes(':execution:') ? nameOrArn.slice(nameOrArn.lastIndexOf(':') + 1) : nameOrArn;
  const record = executions.get(name);
  if (record === undefined) throw new StepFunctionsApiError('ExecutionDoesNotExist', `execution ${name} does not exist`);
  return record;
}

/**
 * The execution `nameOrArn` names among `executions`, if RedriveExecution may run it again: a
 * failed or aborted one. `overture redrive` asks it of the registry file before it starts a
 * runtime, so that a refusal costs no start.
 * @throws StepFunctionsApiError ExecutionDoesNotExist, ExecutionNotRedrivable
 */
export function redrivableExecution(executions: ReadonlyMap<string, ExecutionRecord>, nameOrArn: string): ExecutionRecord {
  const record = existingExecution(executions, nameOrArn);
  if (record.status !== 'FAILED' && record.status !== 'ABORTED') {
    throw new StepFunctionsApiError('ExecutionNotRedrivable', `execution ${record.name} is ${record.status}: only a failed or aborted execution can be redriven`);
  }
  return record;
}

/**
 * The executions of a registry file, latest record of each name, in order of first start. A line
 * cut short by a kill mid-write is skipped: the lines before it stand.
 */
export async function readExecutionRegistry(file: string): Promise<ExecutionRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const records = new Map<string, ExecutionRecord>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      continue;
    }
    const parsed = ExecutionRecordSchema.safeParse(json);
    if (parsed.success) records.set(parsed.data.name, parsed.data);
  }
  return [...records.values()];
}

function errorName(error: unknown): string {
  if (error instanceof Error) {
    // The interpreter wraps the state's error; its cause carries the Step Functions error name.
    const cause = (error as Error & { cause?: unknown }).cause;
    if (cause instanceof Error && cause.name !== 'Error') return cause.name;
    return error.name;
  }
  return 'States.Runtime';
}

/** Options of {@link interpretedRunner}. */
export interface InterpretedRunnerOptions {
  /** Builds the Task handlers of one execution (aws-local-stepfunctions' `taskResourceLocalHandlers`). */
  readonly taskHandlers: (execution: RunningExecution) => Record<string, (input: JsonValue) => Promise<JsonValue>>;
  /** The context object of one execution (`$$`). */
  readonly context: (execution: RunningExecution) => Record<string, JsonValue>;
}

/**
 * A runner that interprets `definition` with aws-local-stepfunctions. The definition is loaded
 * (and validated) once; each execution then runs on it. An execution resumed from a checkpoint
 * runs on the same definition started at the checkpoint's state, with a wait of fixed length
 * shortened to what was left of it. When a run fails, the top-level state it was in and that
 * state's input are reported (`failedIn`), so that a redrive starts there.
 */
export function interpretedRunner(definition: AslDefinition, options: InterpretedRunnerOptions): ExecutionRunner {
  const machine = loadStateMachine(definition);
  return async (execution) => {
    const resumed = execution.resumeFrom === undefined ? undefined : resumedRun(definition, execution.resumeFrom);
    const run = (resumed?.machine ?? machine).run(resumed?.input ?? execution.input, {
      context: options.context(execution),
      overrides: { taskResourceLocalHandlers: options.taskHandlers(execution) },
    });
    let current: Checkpoint | undefined;
    const following = (async () => {
      for await (const event of run.eventLogs) {
        if (event.type !== 'StateEntered') continue;
        execution.enteredState(event.state.name);
        if (isObject(definition.States[event.state.name])) current = { state: event.state.name, input: JSON.stringify(event.state.input) };
        const checkpoint = checkpointAt(definition, event.state.name, event.state.input, event.timestamp);
        if (checkpoint !== undefined) execution.checkpointed(checkpoint);
      }
    })();
    try {
      return await run.result;
    } catch (error) {
      await following;
      if (current !== undefined) execution.failedIn(current);
      throw error;
    } finally {
      await following;
    }
  };
}

function loadStateMachine(definition: AslDefinition): StateMachine {
  // The interpreter's ASL types are stricter unions of the same JSON; the compiler's output passes asl-validator in tests.
  return new StateMachine(definition as unknown as StateMachineDefinition, {
    // Compiled by compileJourney, whose output the journey tests check with asl-validator; validating again costs seconds per machine.
    validationOptions: { noValidate: true },
  });
}

/** The checkpoint of entering top-level state `name` with `input` at `timestamp`, if it waits. */
function checkpointAt(definition: AslDefinition, name: string, input: JsonValue, timestamp: number): Checkpoint | undefined {
  const state: unknown = definition.States[name];
  if (!isObject(state)) return undefined;
  if (state.Type === 'Wait') {
    // A wait of fixed length ends at a known instant; the others read theirs from the input again.
    const until = typeof state.Seconds === 'number' ? new Date(timestamp + state.Seconds * 1000).toISOString() : undefined;
    return { state: name, input: JSON.stringify(input), ...(until === undefined ? {} : { until }) };
  }
  const timeoutSeconds = eventWaitTimeoutSeconds(state);
  if (timeoutSeconds === undefined) return undefined;
  // A wait for an event ends, at the latest, when its timeout is up: a restart carries it on to then.
  return { state: name, input: JSON.stringify(input), until: new Date(timestamp + timeoutSeconds * 1000).toISOString() };
}

/**
 * The timeout of a wait for an event (a `.waitForTaskToken` Task), as its handler is given it
 * (`timeoutSeconds` of the payload: the Task's own `TimeoutSeconds` may be shortened for the
 * interpreter, see forLocalInterpreter); undefined for any other state.
 */
function eventWaitTimeoutSeconds(state: Record<string, unknown>): number | undefined {
  if (state.Type !== 'Task' || state.Resource !== LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN || !isObject(state.Parameters)) return undefined;
  const payload = state.Parameters.Payload;
  return isObject(payload) && typeof payload.timeoutSeconds === 'number' ? payload.timeoutSeconds : undefined;
}

/**
 * The machine and input that carry an execution on from `checkpoint`: the definition started at
 * the checkpoint's state (a Wait, or the state a failed run failed in), a fixed wait turned into
 * a wait until the instant it was due to end.
 */
function resumedRun(definition: AslDefinition, checkpoint: Checkpoint): { machine: StateMachine; input: JsonValue } | undefined {
  const state: unknown = definition.States[checkpoint.state];
  if (!isObject(state)) return undefined;
  let resumedState: Record<string, unknown> = state;
  if (state.Type === 'Wait' && checkpoint.until !== undefined) {
    const { Seconds: _seconds, ...rest } = state;
    resumedState = { ...rest, Timestamp: checkpoint.until };
  }
  const resumed = { ...definition, StartAt: checkpoint.state, States: { ...definition.States, [checkpoint.state]: resumedState } } as unknown as AslDefinition;
  return { machine: loadStateMachine(resumed), input: JSON.parse(checkpoint.input) as JsonValue };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
