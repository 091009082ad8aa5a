import type { AslChoiceState, AslDefinition, AslTaskState, AslWaitState, JsonValue } from '../../lib/journeys/asl';
import {
  LAMBDA_INVOKE,
  LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN,
  LAMBDA_SERVICE_ERRORS,
  compileJourney,
  journeyTaskKind,
  type JourneyTargets,
} from '../../lib/journeys/compile';
import { durationSeconds } from '../../lib/journeys/format';
import { InvalidJourneyError } from '../../lib/journeys/validate';
import { CATALOG } from '../../workflows';
import { validateAsl } from './asl-validation';
import { FIXTURE_TEMPLATES_DIR, demoJourney, exitNode, greeting } from './fixtures/journeys';

const TARGETS: JourneyTargets = {
  sendFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:send',
  waitForEventFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:wait-for-event',
  journeyEffectsFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:journey-effects',
};

function tasks(definition: AslDefinition): [string, AslTaskState][] {
  return Object.entries(definition.States).filter((entry): entry is [string, AslTaskState] => entry[1].Type === 'Task');
}

function state<T>(definition: AslDefinition, name: string): T {
  const found = definition.States[name];
  if (found === undefined) throw new Error(`no state ${name}`);
  return found as T;
}

/** Every JSONPath a template reads (`"key.$": "path"`), however deep. */
function pathsRead(value: JsonValue | undefined): string[] {
  if (value === null || value === undefined || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap(pathsRead);
  return Object.entries(value).flatMap(([key, inner]) => (key.endsWith('.$') && typeof inner === 'string' ? [inner] : pathsRead(inner)));
}

describe.each(CATALOG.map((journey) => [journey.id, journey] as const))('compiling %s', (_id, journey) => {
  const definition = compileJourney(journey, TARGETS);

  it('passes asl-validator', () => {
    // Act
    const { isValid, errors } = validateAsl(definition);

    // Assess
    expect(errors).toBe('');
    expect(isValid).toBe(true);
  });

  it('starts at the entry\'s next node and names every state after a node id', () => {
    // Prepare
    const ids = new Set(journey.nodes.map((node) => node.id));

    // Act
    const names = Object.keys(definition.States);

    // Assess
    expect(definition.StartAt).toBe(journey.entry.next);
    for (const name of names) {
      expect(ids.has(name.split('.')[0] ?? '')).toBe(true);
      expect(name).toMatch(/^[a-z][a-z0-9-]*(\.(route|defer|resend|failed|choose|wait|beyond|passed|unknown-customer))?$/);
      expect(name.length).toBeLessThanOrEqual(80);
    }
  });

  it('reads the customer id from the state and the execution input only whole, and passes ids and instants only to functions', () => {
    // Act
    const paths = new Set(tasks(definition).flatMap(([, task]) => pathsRead(task.Parameters)));

    // Assess
    expect([...paths].sort()).toEqual(
      expect.arrayContaining(['$$.Execution.Name', '$.customerId']),
    );
    for (const path of paths) {
      // The execution input goes whole to goal checks: it holds ids and the entry's instant only (JourneyExecutionInputSchema).
      // A send step's `.resend` gets back the send function's own answer, which it waited for: codes and an instant.
      expect(['$.customerId', '$$.Execution.Name', '$$.Execution.StartTime', '$$.Execution.Input', '$$.State.EnteredTime', '$$.Task.Token', '$.failure.Error', '$.send.Payload']).toContain(path);
    }
  });

  it('sends through the send function with throttling and store failures retried with backoff and jitter, failures caught, and a defer loop', () => {
    // Prepare
    const sends = journey.nodes.filter((node) => node.type === 'send');

    // Act
    const compiled = sends.map((node) => ({ node, task: state<AslTaskState>(definition, node.id) }));

    // Assess
    expect(sends.length).toBeGreaterThan(0);
    for (const { node, task } of compiled) {
      expect(task.Resource).toBe(LAMBDA_INVOKE);
      expect(task.Parameters.FunctionName).toBe(TARGETS.sendFunctionArn);
      expect(task.Parameters.Payload).toMatchObject({
        'customerId.$': '$.customerId',
        journey: journey.id,
        step: node.id,
        'execution.$': '$$.Execution.Name',
        templateId: node.templateId,
        topic: node.topic,
        channels: node.channels,
      });
      expect(task.ResultSelector).toEqual({ 'Payload.$': '$.Payload' });
      expect(task.ResultPath).toBe('$.send');
      expect(task.Retry?.[0]).toEqual({
        ErrorEquals: ['ProviderThrottledError', 'ProviderUnavailableError'],
        IntervalSeconds: 5,
        MaxAttempts: 8,
        BackoffRate: 2,
        MaxDelaySeconds: 300,
        JitterStrategy: 'FULL',
      });
      expect(task.Retry?.[1]).toEqual({
        ErrorEquals: ['CustomerStoreError', 'StoreContentionError', 'DeliveryContentionError'],
        IntervalSeconds: 3,
        MaxAttempts: 6,
        BackoffRate: 2,
        MaxDelaySeconds: 60,
        JitterStrategy: 'FULL',
      });
      expect(task.Retry?.[2]).toMatchObject({ ErrorEquals: LAMBDA_SERVICE_ERRORS, JitterStrategy: 'FULL' });
      expect(task.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: `${node.id}.failed` }]);
      expect(state<AslTaskState>(definition, `${node.id}.failed`)).toMatchObject({ Next: node.next, Parameters: { Payload: { action: 'sendFailed', 'error.$': '$.failure.Error' } } });
      expect(task.Next).toBe(`${node.id}.route`);
      const route = state<AslChoiceState>(definition, `${node.id}.route`);
      expect(route.Choices[0]).toEqual({ Variable: '$.send.Payload.outcome', StringEquals: 'deferred', Next: `${node.id}.defer` });
      expect(route.Default).toBe(node.next);
      expect(state<AslWaitState>(definition, `${node.id}.defer`)).toEqual({
        Type: 'Wait',
        Comment: expect.any(String),
        TimestampPath: '$.send.Payload.until',
        Next: `${node.id}.resend`,
      });
      // The send step again, with the deferral it waited for (the first run has no $.send to read).
      const { Comment, Parameters, ...resend } = state<AslTaskState>(definition, `${node.id}.resend`);
      const { Parameters: firstParameters, ...first } = task;
      expect(Comment).toEqual(expect.any(String));
      expect(resend).toEqual(first);
      expect(Parameters).toEqual({ ...firstParameters, Payload: { ...(firstParameters.Payload as object), 'deferral.$': '$.send.Payload' } });
    }
  });

  it('waits for events with a callback token, the instant the wait began, a timeout and a timeout branch', () => {
    // Prepare
    const waits = journey.nodes.filter((node) => node.type === 'waitForEvent');

    // Act
    const compiled = waits.map((node) => ({ node, task: state<AslTaskState>(definition, node.id) }));

    // Assess
    for (const { node, task } of compiled) {
      expect(task.Resource).toBe(LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN);
      expect(task.Parameters).toEqual({
        FunctionName: TARGETS.waitForEventFunctionArn,
        Payload: {
          'customerId.$': '$.customerId',
          journey: journey.id,
          step: node.id,
          'execution.$': '$$.Execution.Name',
          event: node.event,
          'taskToken.$': '$$.Task.Token',
          timeoutSeconds: durationSeconds(node.timeout),
          'waitStartedAt.$': '$$.State.EnteredTime',
          'entry.$': '$$.Execution.Input',
        },
      });
      expect(task.TimeoutSeconds).toBe(durationSeconds(node.timeout));
      expect(task.HeartbeatSeconds).toBeUndefined();
      expect(task.ResultPath).toBeNull();
      expect(task.Catch).toEqual([{ ErrorEquals: ['States.Timeout'], ResultPath: null, Next: node.timeoutNext }]);
      expect(task.Next).toBe(node.next);
    }
  });

  it('routes to the goal from every send step and branch when the journey has a goal', () => {
    // Prepare
    const goal = journey.nodes.find((node) => node.type === 'goal');
    const checkers = journey.nodes.filter((node) => node.type === 'send' || node.type === 'branch');

    // Act
    const routes = checkers.map((node) =>
      state<AslChoiceState>(definition, `${node.id}${node.type === 'send' ? '.route' : '.choose'}`).Choices.filter((choice) => choice.Next === goal?.id),
    );

    // Assess
    for (const toGoal of routes) expect(toGoal).toHaveLength(goal ? 1 : 0);
  });

  it('hands every goal check the execution start and the execution input whole, which resolves even without the entry instant', () => {
    // Prepare
    const goal = journey.nodes.find((node) => node.type === 'goal');
    const checkers = journey.nodes.filter((node) => node.type === 'send' || node.type === 'branch').map((node) => node.id);

    // Act
    const payloads = checkers.map((step) => state<AslTaskState>(definition, step).Parameters.Payload);

    // Assess
    expect(payloads.length).toBeGreaterThan(0);
    for (const payload of payloads) {
      if (goal) expect(payload).toMatchObject({ goal: goal.event, 'enteredAt.$': '$$.Execution.StartTime', 'entry.$': '$$.Execution.Input' });
      else expect(pathsRead(payload)).not.toContain('$$.Execution.Input');
    }
  });
});

describe('compileJourney', () => {
  it('classifies every Task by the function it stands for', () => {
    // Prepare
    const journey = CATALOG.find((candidate) => candidate.id === 'welcome');

    // Act
    const kinds = tasks(compileJourney(journey, TARGETS)).map(([name, task]) => [name, journeyTaskKind(task)]);

    // Assess
    expect(kinds).toEqual([
      ['new-customer', 'journeyEffects'],
      ['new-customer.unknown-customer', 'journeyEffects'],
      ['welcome-email', 'send'],
      ['welcome-email.resend', 'send'],
      ['welcome-email.failed', 'journeyEffects'],
      ['tips-email', 'send'],
      ['tips-email.resend', 'send'],
      ['tips-email.failed', 'journeyEffects'],
      ['first-order', 'waitForEvent'],
      ['first-purchase-nudge', 'send'],
      ['first-purchase-nudge.resend', 'send'],
      ['first-purchase-nudge.failed', 'journeyEffects'],
      ['end', 'journeyEffects'],
      ['goal', 'journeyEffects'],
      ['goal.unknown-customer', 'journeyEffects'],
    ]);
  });

  it('compiles a split to bucket thresholds that add up in order', () => {
    // Prepare
    const journey = demoJourney(
      [
        { type: 'split', id: 'hello', arms: [{ percentage: 20, next: 'a' }, { percentage: 30, next: 'b' }, { percentage: 50, next: 'c' }] },
        greeting('a', 'bye'),
        greeting('b', 'bye'),
        greeting('c', 'bye'),
        exitNode('bye'),
      ],
      'hello',
    );

    // Act
    const definition = compileJourney(journey, TARGETS, { templatesDir: FIXTURE_TEMPLATES_DIR });

    // Assess
    expect(state<AslTaskState>(definition, 'hello').Parameters.Payload).toMatchObject({ action: 'bucket', step: 'hello' });
    expect(state<AslChoiceState>(definition, 'hello.choose')).toMatchObject({
      Choices: [
        { Variable: '$.effects.Payload.bucket', NumericLessThan: 20, Next: 'a' },
        { Variable: '$.effects.Payload.bucket', NumericLessThan: 50, Next: 'b' },
      ],
      Default: 'c',
    });
  });

  it('compiles a local-time wait to a computed instant and a Wait on it', () => {
    // Prepare
    const journey = demoJourney([
      { type: 'wait', id: 'hello', wait: { kind: 'localTime', time: '10:00' }, next: 'bye' },
      exitNode('bye'),
    ]);

    // Act
    const definition = compileJourney(journey, TARGETS, { templatesDir: FIXTURE_TEMPLATES_DIR });

    // Assess
    expect(state<AslTaskState>(definition, 'hello')).toMatchObject({
      Parameters: { Payload: { action: 'waitUntil', wait: { kind: 'localTime', time: '10:00' } } },
      ResultPath: '$.effects',
      Next: 'hello.wait',
    });
    expect(state<AslWaitState>(definition, 'hello.wait')).toMatchObject({ TimestampPath: '$.effects.Payload.until', Next: 'bye' });
  });

  it('compiles a date wait to a computed instant given the execution\'s start, a Choice that exits when the date has passed or lies beyond the execution\'s year, and a Wait', () => {
    // Prepare
    const wait = { kind: 'attributeDate', attribute: 'renewal_date', offsetDays: -7 } as const;
    const journey = demoJourney([{ type: 'wait', id: 'hello', wait, next: 'bye' }, exitNode('bye')]);

    // Act
    const definition = compileJourney(journey, TARGETS, { templatesDir: FIXTURE_TEMPLATES_DIR });

    // Assess
    expect(state<AslTaskState>(definition, 'hello')).toMatchObject({
      Parameters: { Payload: { action: 'waitUntil', wait, 'startedAt.$': '$$.Execution.StartTime' } },
      ResultPath: '$.effects',
      Next: 'hello.choose',
    });
    expect(state(definition, 'hello.choose')).toMatchObject({
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.effects.Payload.datePassed', IsPresent: true },
            { Variable: '$.effects.Payload.datePassed', BooleanEquals: true },
          ],
          Next: 'hello.passed',
        },
        {
          And: [
            { Variable: '$.effects.Payload.beyondExecution', IsPresent: true },
            { Variable: '$.effects.Payload.beyondExecution', BooleanEquals: true },
          ],
          Next: 'hello.beyond',
        },
      ],
      Default: 'hello.wait',
    });
    expect(state<AslWaitState>(definition, 'hello.wait')).toMatchObject({ TimestampPath: '$.effects.Payload.until', Next: 'bye' });
    expect(state<AslTaskState>(definition, 'hello.beyond')).toMatchObject({
      Parameters: { Payload: { action: 'exit', reason: 'date_beyond_execution', step: 'hello' } },
      End: true,
    });
    expect(state<AslTaskState>(definition, 'hello.passed')).toMatchObject({
      Parameters: { Payload: { action: 'exit', reason: 'date_passed', step: 'hello' } },
      End: true,
    });
  });

  it('ends the journey with the exit unknown_customer, unretried, when a step that reads the customer finds them gone (erased)', () => {
    // Prepare: every kind of step that reads or changes the customer's records, and two that do not.
    const journey = demoJourney([
      { type: 'branch', id: 'hello', rules: [{ when: [{ kind: 'stage', in: ['active'] }], next: 'morning' }], otherwise: 'morning' },
      { type: 'wait', id: 'morning', wait: { kind: 'localTime', time: '10:00' }, next: 'renewal' },
      { type: 'wait', id: 'renewal', wait: { kind: 'attributeDate', attribute: 'renewal_date' }, next: 'promote' },
      { type: 'setStage', id: 'promote', stage: 'active', next: 'arms' },
      { type: 'split', id: 'arms', arms: [{ percentage: 50, next: 'bye' }, { percentage: 50, next: 'bye' }] },
      exitNode('bye'),
      { type: 'goal', id: 'bought', event: 'order_placed', stage: 'active' },
    ]);

    // Act
    const definition = compileJourney(journey, TARGETS, { templatesDir: FIXTURE_TEMPLATES_DIR });

    // Assess
    for (const step of ['hello', 'morning', 'renewal', 'promote', 'bought']) {
      const task = state<AslTaskState>(definition, step);
      expect([step, task.Retry?.[0], task.Catch]).toEqual([
        step,
        { ErrorEquals: ['CustomerNotFoundError'], MaxAttempts: 0 },
        [{ ErrorEquals: ['CustomerNotFoundError'], ResultPath: null, Next: `${step}.unknown-customer` }],
      ]);
      expect(state<AslTaskState>(definition, `${step}.unknown-customer`)).toMatchObject({
        Resource: LAMBDA_INVOKE,
        Parameters: { FunctionName: TARGETS.journeyEffectsFunctionArn, Payload: { action: 'exit', reason: 'unknown_customer', step } },
        ResultPath: null,
        End: true,
      });
    }
    for (const step of ['arms', 'bye']) expect([step, state<AslTaskState>(definition, step).Catch]).toEqual([step, undefined]);
    expect(validateAsl(definition).errors).toBe('');
  });

  it('fails, naming the nodes, when a journey needs the journeyEffects function and none is given', () => {
    // Prepare
    const journey = demoJourney([{ type: 'setStage', id: 'hello', stage: 'active', next: 'bye' }, exitNode('bye')]);

    // Act
    const compile = () =>
      compileJourney(journey, { sendFunctionArn: TARGETS.sendFunctionArn, waitForEventFunctionArn: TARGETS.waitForEventFunctionArn }, { templatesDir: FIXTURE_TEMPLATES_DIR });

    // Assess
    expect(compile).toThrow(
      new InvalidJourneyError(['journey "demo", node "hello" (setStage): needs the journeyEffects function; pass journeyEffectsFunction to JourneyStateMachine']),
    );
  });

  it('ends at Succeed states, and lets failed sends continue, without the journeyEffects function', () => {
    // Prepare
    const journey = demoJourney([greeting('hello', 'bye'), exitNode('bye')]);

    // Act
    const definition = compileJourney(
      journey,
      { sendFunctionArn: TARGETS.sendFunctionArn, waitForEventFunctionArn: TARGETS.waitForEventFunctionArn },
      { templatesDir: FIXTURE_TEMPLATES_DIR },
    );

    // Assess
    expect(state<AslTaskState>(definition, 'hello').Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'bye' }]);
    expect(definition.States.bye).toEqual({ Type: 'Succeed', Comment: 'exit' });
    expect(definition.States['hello.failed']).toBeUndefined();
  });
});
