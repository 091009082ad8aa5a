/**
 * The journey compiler: format → Amazon States Language (JSONPath), as plain data.
 *
 * The CDK construct passes function ARNs (tokens at synth time) and puts the result in the
 * state machine's `DefinitionString`; the local runtime reads that same JSON back out of the
 * synthesized template. Every state is named after its node id (plus a suffix for the few helper
 * states a node needs), so operators can tell from the console which step of which journey a
 * customer is in.
 *
 * State data is the execution input `{ customerId, journey, entryKey, enteredAt? }` (see
 * execution-input.ts) plus the last answer of the send function (`$.send`) and of the
 * journeyEffects function (`$.effects`): ids, codes and instants.
 */
import { RETRYABLE_PROVIDER_ERRORS } from '../channels/errors';
import { RETRYABLE_STORE_ERRORS } from '../store/errors';
import { CUSTOMER_NOT_FOUND_ERROR, UNKNOWN_CUSTOMER } from './effects-contract';
import { GOAL_REACHED } from './send-contract';
import { TASK_TIMEOUT_ERROR } from './wait-for-event-contract';
import type { AslChoiceRule, AslDefinition, AslRetrier, AslState, AslTaskState, JsonObject, JsonValue } from './asl';
import {
  type AttributeDateWait,
  type GoalNode,
  type Journey,
  type JourneyNode,
  type NodeId,
  FORMAT_VERSION,
  durationSeconds,
} from './format';
import { InvalidJourneyError, type ValidateJourneyOptions, validateJourney } from './validate';

/** The optimized Lambda integration; its result is `{ Payload, StatusCode, … }`. */
export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
/** The callback flavour: the execution waits until someone returns the task token. */
export const LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

/** Transient errors of the Lambda service itself, retried on every Task (as CDK's LambdaInvoke does). */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/** Suffixes of the helper states a node compiles to, after its own state named by the node id. */
export const STATE_SUFFIXES = {
  /** Choice after a send: deferred → `.defer`, goal reached → the goal, otherwise `next`. */
  route: '.route',
  /** Wait on the send function's `until`, then `.resend`. */
  defer: '.defer',
  /** The send step again after a deferral, handed the deferral it waited for; then `.route`. */
  resend: '.resend',
  /** Records a send that failed after its retries, then continues with `next`. */
  failed: '.failed',
  /** Choice on the journeyEffects answer of a branch, split, holdout or date wait. */
  choose: '.choose',
  /** Wait on the instant the journeyEffects function computed for a local-time or date wait. */
  wait: '.wait',
  /** Records the exit of a date wait whose date lies beyond the execution's year. */
  beyond: '.beyond',
  /** Records the exit of a date wait whose date has passed. */
  passed: '.passed',
  /** Records the exit of a step that found the customer gone (erased during the journey). */
  unknownCustomer: '.unknown-customer',
} as const;

/** The exit reason recorded when a date wait would outlast the execution (Step Functions' one-year limit). */
export const DATE_BEYOND_EXECUTION = 'date_beyond_execution';

/** The exit reason recorded when a date wait's day has passed (see `attributeDateWait` in effects.ts). */
export const DATE_PASSED = 'date_passed';

/** The Lambda functions a journey's Task states invoke (ARNs, or CDK tokens for them). */
export interface JourneyTargets {
  readonly sendFunctionArn: string;
  readonly waitForEventFunctionArn: string;
  /** Needed by branch, split, holdout, setStage and computed waits; records exits and goals when given. */
  readonly journeyEffectsFunctionArn?: string;
}

/** The CloudFormation metadata key that names the journey of a state machine in a template. */
export const JOURNEY_METADATA_KEY = 'overture:journey';

/** The kind of function a compiled Task state invokes, read from its shape. */
export type JourneyTaskKind = 'send' | 'waitForEvent' | 'journeyEffects';

/**
 * Which function a compiled Task state stands for. Bindings use this instead of function ARNs,
 * which differ between a synthesized template, AWS and the local runtime.
 */
export function journeyTaskKind(state: AslTaskState): JourneyTaskKind {
  if (state.Resource === LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN) return 'waitForEvent';
  const payload = state.Parameters.Payload;
  const isObject = typeof payload === 'object' && payload !== null && !Array.isArray(payload);
  return isObject && 'action' in payload ? 'journeyEffects' : 'send';
}

/** Where a Task's payload takes the execution input, whole (a path into it would fail the state in an execution started without the field). */
const EXECUTION_INPUT_FIELD = 'entry.$';
const EXECUTION_INPUT = '$$.Execution.Input';

/**
 * Retries when a provider certainly did not take the message (throttled, unreachable):
 * exponential backoff with full jitter, up to ~5 minutes apart. Other provider errors are not
 * retried: the message may have gone out, and no provider dedupes.
 */
const PROVIDER_RETRY: AslRetrier = {
  ErrorEquals: [...RETRYABLE_PROVIDER_ERRORS],
  IntervalSeconds: 5,
  MaxAttempts: 8,
  BackoffRate: 2,
  MaxDelaySeconds: 300,
  JitterStrategy: 'FULL',
};

/**
 * Retries when the customer table failed the send step (throttled, unreachable) or kept changing
 * under it (`DeliveryContentionError`, lib/delivery): nothing is wrong with the message, so it
 * should go out once the table answers, not be dropped as a failed send. Safe, as the send ledger
 * keeps the step to one message whatever an attempt did before it failed: a reservation made is
 * found by the retry, and one left pending is settled as unknown, never sent again (unless its
 * attempt marked it unsent: the provider certainly took nothing, so it is withdrawn and decided again).
 */
const STORE_RETRY: AslRetrier = {
  ErrorEquals: [...RETRYABLE_STORE_ERRORS, 'DeliveryContentionError'],
  IntervalSeconds: 3,
  MaxAttempts: 6,
  BackoffRate: 2,
  MaxDelaySeconds: 60,
  JitterStrategy: 'FULL',
};

const LAMBDA_SERVICE_RETRY: AslRetrier = {
  ErrorEquals: LAMBDA_SERVICE_ERRORS,
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

/**
 * Retries a waitForEvent Task whose function failed (the customer table throttled or unreachable
 * while it stored the token or read the event's mark, Step Functions throttling its
 * SendTaskSuccess): a store failure must not fail the execution, and with it every later message
 * of the journey, as the send Task's STORE_RETRY keeps it from dropping a message. Safe: each
 * attempt gets a new task token, which replaces the last one under the same key, and an attempt
 * that already resumed the execution ended the Task. `States.TaskFailed` matches any error but the
 * wait's own timeout (`States.Timeout`), which the Catch takes; {@link WAIT_TIMEOUT_NO_RETRY},
 * first, says so in the definition too (and keeps aws-local-stepfunctions, whose wildcard excludes
 * only its own timeout class, from retrying the local bindings' timeout).
 */
const WAIT_RETRY: AslRetrier = {
  ErrorEquals: ['States.TaskFailed'],
  IntervalSeconds: 3,
  MaxAttempts: 6,
  BackoffRate: 2,
  MaxDelaySeconds: 60,
  JitterStrategy: 'FULL',
};

/** A wait's timeout is its answer (the Catch's branch), never a failure to retry. */
const WAIT_TIMEOUT_NO_RETRY: AslRetrier = { ErrorEquals: [TASK_TIMEOUT_ERROR], MaxAttempts: 0 };

/**
 * A customer who is gone (erased) does not come back: the step that found it is not retried (the
 * first matching retrier wins), and its Catch ends the journey at once.
 */
const CUSTOMER_GONE_NO_RETRY: AslRetrier = { ErrorEquals: [CUSTOMER_NOT_FOUND_ERROR], MaxAttempts: 0 };

/** journeyEffects actions are idempotent, so any failure (e.g. a throttled table) is retried a few times. */
const EFFECTS_RETRY: AslRetrier = {
  ErrorEquals: ['States.TaskFailed'],
  IntervalSeconds: 5,
  MaxAttempts: 3,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

/**
 * Compiles a journey to a Step Functions Standard definition (JSONPath). Validates it first.
 *
 * @throws InvalidJourneyError for an invalid journey, or one that needs the journeyEffects
 *   function when `targets` has none
 */
export function compileJourney(journey: unknown, targets: JourneyTargets, options: ValidateJourneyOptions = {}): AslDefinition {
  const valid = validateJourney(journey, options);
  return new JourneyCompiler(valid, targets).compile();
}

class JourneyCompiler {
  private readonly states: Record<string, AslState> = {};
  /** States added after the current node's own, so each node's helpers follow it in the definition. */
  private readonly following: [string, AslState][] = [];
  private readonly goal: GoalNode | undefined;

  constructor(
    private readonly journey: Journey,
    private readonly targets: JourneyTargets,
  ) {
    this.goal = journey.nodes.find((node): node is GoalNode => node.type === 'goal');
  }

  compile(): AslDefinition {
    const missing = this.targets.journeyEffectsFunctionArn === undefined ? this.nodesNeedingEffects() : [];
    if (missing.length > 0) {
      throw new InvalidJourneyError(
        missing.map(
          (node) =>
            `journey "${this.journey.id}", node "${node.id}" (${node.type}): needs the journeyEffects function; pass journeyEffectsFunction to JourneyStateMachine`,
        ),
      );
    }
    for (const node of this.journey.nodes) {
      this.compileNode(node);
      for (const [name, state] of this.following.splice(0)) this.add(name, state);
    }
    return {
      Comment: `Overture journey "${this.journey.id}" (format ${FORMAT_VERSION}): ${this.journey.name}`,
      QueryLanguage: 'JSONPath',
      StartAt: this.journey.entry.next,
      States: this.states,
    };
  }

  private nodesNeedingEffects(): JourneyNode[] {
    return this.journey.nodes.filter(
      (node) =>
        node.type === 'branch' ||
        node.type === 'split' ||
        node.type === 'holdout' ||
        node.type === 'setStage' ||
        (node.type === 'wait' && node.wait.kind !== 'duration'),
    );
  }

  private compileNode(node: JourneyNode): void {
    switch (node.type) {
      case 'send':
        return this.compileSend(node);
      case 'wait':
        if (node.wait.kind === 'duration') {
          this.add(node.id, { Type: 'Wait', Seconds: durationSeconds(node.wait.duration), Next: node.next });
          return;
        }
        if (node.wait.kind === 'attributeDate') return this.compileDateWait(node.id, node.wait, node.next);
        this.add(node.id, this.customerTask(node.id, { action: 'waitUntil', wait: node.wait }, '$.effects', node.id + STATE_SUFFIXES.wait));
        this.add(node.id + STATE_SUFFIXES.wait, {
          Type: 'Wait',
          Comment: `until the instant ${node.id} computed in the customer's time zone`,
          TimestampPath: '$.effects.Payload.until',
          Next: node.next,
        });
        return;
      case 'waitForEvent':
        return this.compileWaitForEvent(node);
      case 'branch':
        this.add(
          node.id,
          // The execution input, whole, in every branch: its entry instant keeps the entry event's own
          // records out of touchpointWithin (conditions.ts), and the goal check reads it too.
          this.customerTask(node.id, { action: 'branch', rules: node.rules.map((rule) => rule.when), [EXECUTION_INPUT_FIELD]: EXECUTION_INPUT, ...this.goalFields() }, '$.effects', node.id + STATE_SUFFIXES.choose),
        );
        this.add(node.id + STATE_SUFFIXES.choose, {
          Type: 'Choice',
          Comment: 'the first rule whose conditions all hold; -1 is otherwise',
          Choices: [
            ...this.goalChoice('$.effects.Payload.goalReached', { BooleanEquals: true }),
            ...node.rules.map((rule, index) => ({ Variable: '$.effects.Payload.match', NumericEquals: index, Next: rule.next })),
          ],
          Default: node.otherwise,
        });
        return;
      case 'split': {
        this.add(node.id, this.effectsTask(node.id, { action: 'bucket' }, '$.effects', node.id + STATE_SUFFIXES.choose));
        let upper = 0;
        const choices: AslChoiceRule[] = [];
        for (const arm of node.arms.slice(0, -1)) {
          upper += arm.percentage;
          choices.push({ Variable: '$.effects.Payload.bucket', NumericLessThan: upper, Next: arm.next });
        }
        this.add(node.id + STATE_SUFFIXES.choose, {
          Type: 'Choice',
          Comment: `buckets ${node.arms.map((arm) => `${arm.percentage}% → ${arm.next}`).join(', ')}`,
          Choices: choices,
          Default: node.arms[node.arms.length - 1]?.next ?? node.id,
        });
        return;
      }
      case 'holdout':
        this.add(node.id, this.effectsTask(node.id, { action: 'bucket' }, '$.effects', node.id + STATE_SUFFIXES.choose));
        this.add(node.id + STATE_SUFFIXES.choose, {
          Type: 'Choice',
          Comment: `buckets 0–${node.percentage - 1} are held out`,
          Choices: [{ Variable: '$.effects.Payload.bucket', NumericLessThan: node.percentage, Next: node.holdoutNext }],
          Default: node.next,
        });
        return;
      case 'setStage':
        this.add(node.id, this.customerTask(node.id, { action: 'setStage', stage: node.stage }, null, node.next));
        return;
      case 'goal':
        if (node.stage !== undefined && this.targets.journeyEffectsFunctionArn !== undefined) {
          // Moving the customer to the stage reads their records, as a setStage step does.
          this.add(node.id, { ...this.customerTask(node.id, { action: 'goal', event: node.event, stage: node.stage }, null, undefined), Comment: `converted: ${node.event}` });
          return;
        }
        this.add(
          node.id,
          this.terminal(node.id, { action: 'goal', event: node.event, ...(node.stage ? { stage: node.stage } : {}) }, `converted: ${node.event}`),
        );
        return;
      case 'exit':
        this.add(node.id, this.terminal(node.id, { action: 'exit', ...(node.reason ? { reason: node.reason } : {}) }, `exit${node.reason ? `: ${node.reason}` : ''}`));
        return;
    }
  }

  /**
   * Send → route → next: two transitions per message. A deferred answer loops through a Wait on
   * the answer's `until` to `.resend`, the same send Task handed that deferral (a path to
   * `$.send` would fail the first run, which has none), which decides again (consent may have
   * changed) and goes to the route: a deferral costs the route, the Wait and the Task, as the loop
   * back to the step did. A `rate_limited` deferral holds a send slot; handing it back lets the
   * step send in it instead of claiming a later one.
   */
  private compileSend(node: Extract<JourneyNode, { type: 'send' }>): void {
    const failed = node.id + STATE_SUFFIXES.failed;
    const hasEffects = this.targets.journeyEffectsFunctionArn !== undefined;
    const sendTask = (extra: JsonObject): AslTaskState => ({
      Type: 'Task',
      Resource: LAMBDA_INVOKE,
      Parameters: {
        FunctionName: this.targets.sendFunctionArn,
        Payload: {
          ...this.ids(node.id),
          templateId: node.templateId,
          topic: node.topic,
          channels: node.channels,
          ...(node.followUpOf === undefined ? {} : { followUpOf: node.followUpOf }),
          ...this.goalFields(),
          ...extra,
        },
      },
      ResultSelector: { 'Payload.$': '$.Payload' },
      ResultPath: '$.send',
      Retry: [PROVIDER_RETRY, STORE_RETRY, LAMBDA_SERVICE_RETRY],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: hasEffects ? failed : node.next }],
      Next: node.id + STATE_SUFFIXES.route,
    });
    this.add(node.id, sendTask({}));
    this.add(node.id + STATE_SUFFIXES.route, {
      Type: 'Choice',
      Comment: `deferred → ${node.id}${STATE_SUFFIXES.defer}; sent or skipped → ${node.next}`,
      Choices: [
        { Variable: '$.send.Payload.outcome', StringEquals: 'deferred', Next: node.id + STATE_SUFFIXES.defer },
        ...this.goalChoice('$.send.Payload.reason', { StringEquals: GOAL_REACHED }),
      ],
      Default: node.next,
    });
    this.add(node.id + STATE_SUFFIXES.defer, {
      Type: 'Wait',
      Comment: 'until the send function said it may send (quiet hours, preferred window, a send slot)',
      TimestampPath: '$.send.Payload.until',
      Next: node.id + STATE_SUFFIXES.resend,
    });
    this.add(node.id + STATE_SUFFIXES.resend, { ...sendTask({ 'deferral.$': '$.send.Payload' }), Comment: `${node.id} again, after its deferral` });
    if (hasEffects) {
      this.add(failed, this.effectsTask(node.id, { action: 'sendFailed', 'error.$': '$.failure.Error' }, null, node.next));
    }
  }

  /**
   * Task → `.choose` → `.wait`: a date may lie further away than the execution can live (a year),
   * and Step Functions would time the execution out during the wait, unrecorded. The Task gets the
   * execution's start and answers `beyondExecution` then; the Choice ends the journey at
   * `.beyond`, an exit recorded as {@link DATE_BEYOND_EXECUTION}. A date already past (the renewal
   * a month ago) is answered `datePassed`, and the Choice ends the journey at `.passed`, an exit
   * recorded as {@link DATE_PASSED}: what follows the wait was written for a date ahead. Local-time
   * waits end within eight days and keep their two states.
   */
  private compileDateWait(id: NodeId, wait: AttributeDateWait, next: NodeId): void {
    const beyond = id + STATE_SUFFIXES.beyond;
    const passed = id + STATE_SUFFIXES.passed;
    // Guarded like the goal: an answer without the field must not fail the Choice.
    const isTrue = (field: string, target: string): AslChoiceRule => ({
      And: [
        { Variable: `$.effects.Payload.${field}`, IsPresent: true },
        { Variable: `$.effects.Payload.${field}`, BooleanEquals: true },
      ],
      Next: target,
    });
    this.add(id, this.customerTask(id, { action: 'waitUntil', wait, 'startedAt.$': '$$.Execution.StartTime' }, '$.effects', id + STATE_SUFFIXES.choose));
    this.add(id + STATE_SUFFIXES.choose, {
      Type: 'Choice',
      Comment: `the date has passed → ${passed}; it lies beyond the execution's year → ${beyond}; otherwise wait for it`,
      Choices: [isTrue('datePassed', passed), isTrue('beyondExecution', beyond)],
      Default: id + STATE_SUFFIXES.wait,
    });
    this.add(id + STATE_SUFFIXES.wait, {
      Type: 'Wait',
      Comment: `until the instant ${id} computed in the customer's time zone`,
      TimestampPath: '$.effects.Payload.until',
      Next: next,
    });
    this.add(beyond, this.terminal(id, { action: 'exit', reason: DATE_BEYOND_EXECUTION }, `exit: ${DATE_BEYOND_EXECUTION}`));
    this.add(passed, this.terminal(id, { action: 'exit', reason: DATE_PASSED }, `exit: ${DATE_PASSED}`));
  }

  /**
   * The waitForEvent function stores the task token and returns; the execution waits until the
   * ingest function returns the token or `TimeoutSeconds` passes. `waitStartedAt` (the state's
   * entered time) lets the function resume the execution itself when the event was ingested
   * after the wait began but before the token was stored, and keeps an older event from ending
   * the wait. No `HeartbeatSeconds`: nothing beats while a customer takes days to act, so a
   * heartbeat would only turn waits into timeouts. The event's own data is dropped
   * (`ResultPath: null`): it may hold personal data.
   */
  private compileWaitForEvent(node: Extract<JourneyNode, { type: 'waitForEvent' }>): void {
    const timeoutSeconds = durationSeconds(node.timeout);
    this.add(node.id, {
      Type: 'Task',
      Comment: `until ${node.event}, at most ${timeoutSeconds} s`,
      Resource: LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN,
      Parameters: {
        FunctionName: this.targets.waitForEventFunctionArn,
        Payload: {
          ...this.ids(node.id),
          event: node.event,
          'taskToken.$': '$$.Task.Token',
          timeoutSeconds,
          'waitStartedAt.$': '$$.State.EnteredTime',
          // The entry's own instant is in it: a wait for the event that entered must not end on that event.
          [EXECUTION_INPUT_FIELD]: EXECUTION_INPUT,
        },
      },
      TimeoutSeconds: timeoutSeconds,
      ResultPath: null,
      Retry: [WAIT_TIMEOUT_NO_RETRY, LAMBDA_SERVICE_RETRY, WAIT_RETRY],
      Catch: [{ ErrorEquals: [TASK_TIMEOUT_ERROR], ResultPath: null, Next: node.timeoutNext }],
      Next: node.next,
    });
  }

  /** Exits and goals are recorded by the journeyEffects function when there is one. */
  private terminal(step: NodeId, payload: JsonObject, comment: string): AslState {
    if (this.targets.journeyEffectsFunctionArn === undefined) return { Type: 'Succeed', Comment: comment };
    return { ...this.effectsTask(step, payload, null, undefined), Comment: comment };
  }

  /**
   * A journeyEffects Task that reads or changes the customer's records (a branch, a computed
   * wait, a stage change). The customer may be gone (erased: docs/consent.md), as the send
   * function finds and skips as `unknown_customer`; the journey cannot go on without them, and a
   * failed execution would be an alarm that no redrive fixes. So the Task's
   * {@link CUSTOMER_NOT_FOUND_ERROR} is not retried and goes to `<step>.unknown-customer`, which
   * ends the journey with the exit {@link UNKNOWN_CUSTOMER}, recorded at the step.
   */
  private customerTask(step: NodeId, payload: JsonObject, resultPath: string | null, next: string | undefined): AslTaskState {
    const gone = step + STATE_SUFFIXES.unknownCustomer;
    this.following.push([gone, this.terminal(step, { action: 'exit', reason: UNKNOWN_CUSTOMER }, `exit: ${UNKNOWN_CUSTOMER}, the customer is gone (erased)`)]);
    const task = this.effectsTask(step, payload, resultPath, next);
    return {
      ...task,
      Retry: [CUSTOMER_GONE_NO_RETRY, ...(task.Retry ?? [])],
      Catch: [{ ErrorEquals: [CUSTOMER_NOT_FOUND_ERROR], ResultPath: null, Next: gone }],
    };
  }

  private effectsTask(step: NodeId, payload: JsonObject, resultPath: string | null, next: string | undefined): AslTaskState {
    return {
      Type: 'Task',
      Resource: LAMBDA_INVOKE,
      Parameters: {
        FunctionName: this.targets.journeyEffectsFunctionArn ?? '',
        Payload: { ...payload, ...this.ids(step) },
      },
      ...(resultPath === null ? { ResultPath: null } : { ResultSelector: { 'Payload.$': '$.Payload' }, ResultPath: resultPath }),
      Retry: [LAMBDA_SERVICE_RETRY, EFFECTS_RETRY],
      ...(next === undefined ? { End: true as const } : { Next: next }),
    };
  }

  /** The ids every Lambda receives: never personal data. */
  private ids(step: NodeId): JsonObject {
    return {
      'customerId.$': '$.customerId',
      journey: this.journey.id,
      step,
      'execution.$': '$$.Execution.Name',
    };
  }

  /**
   * What a step needs to check the goal: its event, when the execution started, and the execution
   * input, which holds the entry's own instant (see `goalCountsAfter`). The input goes whole: a
   * path to its `enteredAt` would fail the state in executions started without one.
   */
  private goalFields(): Record<string, JsonValue> {
    return this.goal ? { goal: this.goal.event, 'enteredAt.$': '$$.Execution.StartTime', [EXECUTION_INPUT_FIELD]: EXECUTION_INPUT } : {};
  }

  /** A Choice rule to the goal when `variable` says it was reached; none without a goal. */
  private goalChoice(variable: string, test: Pick<AslChoiceRule, 'BooleanEquals' | 'StringEquals'>): AslChoiceRule[] {
    if (!this.goal) return [];
    // The answer carries the field only sometimes, and a missing one would fail the Choice.
    return [{ And: [{ Variable: variable, IsPresent: true }, { Variable: variable, ...test }], Next: this.goal.id }];
  }

  private add(name: string, state: AslState): void {
    this.states[name] = state;
  }
}
