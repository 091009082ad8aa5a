import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { compileJourney } from '../../lib/journeys/compile';
import { JOURNEY_METADATA_KEY, JourneyStateMachine } from '../../lib/journeys/journey-state-machine';
import { journeyDefinitionsFromTemplate, localArnOf } from '../../lib/journeys/local-bindings';
import { InvalidJourneyError } from '../../lib/journeys/validate';
import { CATALOG } from '../../workflows';
import { demoJourney, exitNode } from './fixtures/journeys';
import { validateAsl } from './asl-validation';
import { synthesizeCatalogStack } from './journey-stack';

const { template, logicalIds } = synthesizeCatalogStack();
const definitions = journeyDefinitionsFromTemplate(template.toJSON());

describe('JourneyStateMachine', () => {
  it('creates one Standard state machine per journey, traced, logging errors without execution data', () => {
    // Act
    const machines = template.findResources('AWS::StepFunctions::StateMachine');

    // Assess
    expect(Object.keys(machines)).toHaveLength(CATALOG.length);
    template.allResourcesProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false, Destinations: [Match.objectLike({})] },
    });
  });

  it('names its journey in the template metadata, so the local runtime finds every catalog journey', () => {
    // Act
    const ids = [...definitions.keys()];

    // Assess
    expect(ids).toEqual(CATALOG.map((journey) => journey.id));
    template.hasResource('AWS::StepFunctions::StateMachine', { Metadata: { [JOURNEY_METADATA_KEY]: 'welcome' } });
  });

  it.each(CATALOG.map((journey) => [journey.id, journey] as const))(
    'puts exactly the compiled definition of %s in DefinitionString, which passes asl-validator',
    (id, journey) => {
      // Prepare
      const expected = compileJourney(journey, {
        sendFunctionArn: localArnOf(logicalIds.send, 'AWS::Lambda::Function'),
        waitForEventFunctionArn: localArnOf(logicalIds.waitForEvent, 'AWS::Lambda::Function'),
        journeyEffectsFunctionArn: localArnOf(logicalIds.journeyEffects, 'AWS::Lambda::Function'),
      });

      // Act
      const synthesized = definitions.get(id);

      // Assess
      expect(synthesized).toEqual(expected);
      expect(validateAsl(synthesized)).toEqual({ isValid: true, errors: '' });
    },
  );

  it('synthesizes welcome with the throttling retry, the defer loop on TimestampPath and a callback wait with a timeout', () => {
    // Act
    const welcome = definitions.get('welcome');

    // Assess
    expect(welcome?.States['welcome-email']).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke',
      Retry: [
        { ErrorEquals: ['ProviderThrottledError', 'ProviderUnavailableError'], BackoffRate: 2, JitterStrategy: 'FULL' },
        { ErrorEquals: ['CustomerStoreError', 'StoreContentionError', 'DeliveryContentionError'], BackoffRate: 2, JitterStrategy: 'FULL' },
        {},
      ],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'welcome-email.failed' }],
      Next: 'welcome-email.route',
    });
    expect(welcome?.States['welcome-email.defer']).toMatchObject({ Type: 'Wait', TimestampPath: '$.send.Payload.until', Next: 'welcome-email.resend' });
    expect(welcome?.States['welcome-email.resend']).toMatchObject({ Type: 'Task', Next: 'welcome-email.route', ResultPath: '$.send' });
    expect(welcome?.States['first-order']).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      TimeoutSeconds: 604800,
      Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'first-purchase-nudge' }],
      Next: 'goal',
    });
  });

  it('references the functions by ARN in the definition, with the callback resource for waits', () => {
    // Act
    const welcome = template.findResources('AWS::StepFunctions::StateMachine', { Metadata: { [JOURNEY_METADATA_KEY]: 'welcome' } });

    // Assess
    const [resource] = Object.values(welcome) as { Properties: { DefinitionString: { 'Fn::Join': [string, unknown[]] } } }[];
    const parts = resource?.Properties.DefinitionString['Fn::Join'][1] ?? [];
    expect(parts).toEqual(expect.arrayContaining([{ 'Fn::GetAtt': [expect.stringMatching(/^SendFunction/), 'Arn'] }]));
    expect(parts).toEqual(expect.arrayContaining([{ 'Fn::GetAtt': [expect.stringMatching(/^WaitForEventFunction/), 'Arn'] }]));
    expect(parts).toEqual(expect.arrayContaining([{ 'Fn::GetAtt': [expect.stringMatching(/^JourneyEffectsFunction/), 'Arn'] }]));
    expect(parts.filter((part): part is string => typeof part === 'string').join('')).toContain(
      '"Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken"',
    );
  });

  it('grants each state machine the invocation of its three functions, and nothing else on Lambda', () => {
    // Act
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } };
    }[];

    // Assess
    const lambdaGrants = policies
      .map((policy) => policy.Properties.PolicyDocument.Statement.filter((statement) => [statement.Action].flat().some((action) => action.startsWith('lambda:'))))
      .filter((statements) => statements.length > 0);
    expect(lambdaGrants).toHaveLength(CATALOG.length);
    for (const statements of lambdaGrants) {
      expect(statements.map((statement) => statement.Action)).toEqual(['lambda:InvokeFunction', 'lambda:InvokeFunction', 'lambda:InvokeFunction']);
      expect(statements.map((statement) => statement.Resource)).toEqual(
        [logicalIds.send, logicalIds.waitForEvent, logicalIds.journeyEffects].map((id) => [
          { 'Fn::GetAtt': [id, 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'Arn'] }, ':*']] },
        ]),
      );
    }
  });

  it('fails at synth with the validation message when the journey is invalid', () => {
    // Prepare
    const stack = new Stack(new App(), 'Broken');
    const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({});') });
    const journey = demoJourney([{ type: 'send', id: 'hello', templateId: 'no-such-template', topic: 'marketing', channels: ['email'], next: 'bye' }, exitNode('bye')]);

    // Act
    const build = () =>
      new JourneyStateMachine(stack, 'Demo', {
        journey: journey as unknown as ConstructorParameters<typeof JourneyStateMachine>[2]['journey'],
        sendFunction: fn,
        waitForEventFunction: fn,
        journeyEffectsFunction: fn,
      });

    // Assess
    expect(build).toThrow(
      new InvalidJourneyError([
        'journey "demo", node "hello" (send): template "no-such-template" does not exist; create workflows/templates/no-such-template/ or use an existing template id',
      ]),
    );
  });
});
