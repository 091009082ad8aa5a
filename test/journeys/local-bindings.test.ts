import type { AslTaskState } from '../../lib/journeys/asl';
import { compileJourney } from '../../lib/journeys/compile';
import {
  MAX_LOCAL_TIMEOUT_SECONDS,
  TemplateDefinitionError,
  WaitForEventTimeoutError,
  forLocalInterpreter,
  journeyDefinitionsFromTemplate,
  localArnOf,
  runJourneyLocally,
  type JourneyTaskHandlers,
} from '../../lib/journeys/local-bindings';
import { FIXTURE_TEMPLATES_DIR, demoJourney, exitNode, greeting } from './fixtures/journeys';

const TARGETS = {
  sendFunctionArn: localArnOf('Send', 'AWS::Lambda::Function'),
  waitForEventFunctionArn: localArnOf('WaitForEvent', 'AWS::Lambda::Function'),
  journeyEffectsFunctionArn: localArnOf('JourneyEffects', 'AWS::Lambda::Function'),
};

/** hello → a 60-day wait for `order_placed` → thanks | bye */
const longWait = compileJourney(
  demoJourney([
    greeting('hello', 'first-order'),
    { type: 'waitForEvent', id: 'first-order', event: 'order_placed', timeout: { days: 60 }, next: 'thanks', timeoutNext: 'bye' },
    greeting('thanks', 'bye'),
    exitNode('bye'),
  ]),
  TARGETS,
  { templatesDir: FIXTURE_TEMPLATES_DIR },
);

function handlers(waitForEvent: JourneyTaskHandlers['waitForEvent']): JourneyTaskHandlers {
  return {
    send: async (payload) => ({ outcome: 'sent', channel: payload.channels[0] }),
    waitForEvent,
    journeyEffects: async () => ({}),
  };
}

const EXECUTION = { name: 'demo-c-001-1', startTime: '2026-03-02T10:00:00Z' };
const INPUT = { customerId: 'c-001', journey: 'demo', entryKey: '1' };

describe('forLocalInterpreter', () => {
  it('clamps Task timeouts beyond Node\'s timer limit and leaves everything else as compiled', () => {
    // Act
    const local = forLocalInterpreter(longWait);

    // Assess
    expect((local.States['first-order'] as AslTaskState).TimeoutSeconds).toBe(MAX_LOCAL_TIMEOUT_SECONDS);
    expect((longWait.States['first-order'] as AslTaskState).TimeoutSeconds).toBe(60 * 24 * 3600);
    expect({ ...local, States: { ...local.States, 'first-order': longWait.States['first-order'] } }).toEqual(longWait);
  });
});

describe('runJourneyLocally', () => {
  it('resumes a 60-day wait when the handler says the event came, instead of timing out at once', async () => {
    // Prepare (the event takes a moment to come, longer than an overflowed timer would wait)
    const eventComes = () => new Promise<unknown>((resolve) => setTimeout(() => resolve({}), 50));

    // Act
    const { transitions } = await runJourneyLocally(longWait, INPUT, handlers(eventComes), EXECUTION);

    // Assess
    expect(transitions).toEqual(['hello', 'hello.route', 'first-order', 'thanks', 'thanks.route', 'bye']);
  });

  it('takes the timeout branch when the handler throws WaitForEventTimeoutError', async () => {
    // Act
    const { transitions } = await runJourneyLocally(
      longWait,
      INPUT,
      handlers(async () => {
        throw new WaitForEventTimeoutError();
      }),
      EXECUTION,
    );

    // Assess
    expect(transitions).toEqual(['hello', 'hello.route', 'first-order', 'bye']);
  });

  it('treats a send answer outside its contract as a failed send, as a Lambda error would be', async () => {
    // Prepare
    const bad: JourneyTaskHandlers = { ...handlers(async () => ({})), send: async () => ({ outcome: 'deferred' }) };

    // Act
    const { transitions, output } = await runJourneyLocally(longWait, INPUT, bad, EXECUTION);

    // Assess
    expect(transitions.slice(0, 2)).toEqual(['hello', 'hello.failed']);
    expect(output).toMatchObject({ failure: { Error: 'ZodError', Cause: expect.stringContaining('a deferred answer needs until') } });
  });

  it('fails a journeyEffects step whose answer is outside its contract with ZodError, as the Lambda would', async () => {
    // Prepare (the exit step's answer is an object; its retries come at once)
    const bad: JourneyTaskHandlers = { ...handlers(async () => ({})), journeyEffects: async () => 'recorded' as never };

    // Act
    const run = runJourneyLocally(longWait, INPUT, bad, EXECUTION, { retryIntervalOverrides: { bye: 0 } });

    // Assess (the interpreter's ExecutionError carries the Task's error)
    await expect(run).rejects.toMatchObject({ cause: { name: 'ZodError', message: expect.stringContaining('expected object, received string') } });
  });
});

describe('journeyDefinitionsFromTemplate', () => {
  it('reads only state machines tagged with a journey, resolving function ARNs to local stand-ins', () => {
    // Prepare
    const template = {
      Resources: {
        Send: { Type: 'AWS::Lambda::Function', Properties: {} },
        Other: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: '{"StartAt":"x","States":{}}' } },
        Demo: {
          Type: 'AWS::StepFunctions::StateMachine',
          Metadata: { 'overture:journey': 'demo' },
          Properties: {
            DefinitionString: { 'Fn::Join': ['', ['{"Comment":"c","QueryLanguage":"JSONPath","StartAt":"a","States":{"a":{"Type":"Task","Resource":"arn:', { Ref: 'AWS::Partition' }, ':states:::lambda:invoke","Parameters":{"FunctionName":"', { 'Fn::GetAtt': ['Send', 'Arn'] }, '","Payload":{}},"End":true}}}']] },
          },
        },
      },
    };

    // Act
    const definitions = journeyDefinitionsFromTemplate(template);

    // Assess
    expect([...definitions.keys()]).toEqual(['demo']);
    expect(definitions.get('demo')?.States.a).toEqual({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'arn:aws:lambda:local:000000000000:function:Send', Payload: {} },
      End: true,
    });
  });

  it('fails, naming what it cannot resolve, on an intrinsic it does not know', () => {
    // Prepare
    const template = {
      Resources: {
        Demo: {
          Type: 'AWS::StepFunctions::StateMachine',
          Metadata: { 'overture:journey': 'demo' },
          Properties: { DefinitionString: { 'Fn::Sub': '${Something}' } },
        },
      },
    };

    // Act
    const read = () => journeyDefinitionsFromTemplate(template);

    // Assess
    expect(read).toThrow(new TemplateDefinitionError('cannot resolve {"Fn::Sub":"${Something}"} in a state machine definition'));
  });
});
