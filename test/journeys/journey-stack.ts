/**
 * A stack with every catalog journey compiled by `JourneyStateMachine` against stand-in
 * functions, synthesized once per test file: the template tests assert on and the local runs
 * take their ASL from.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { JourneyStateMachine } from '../../lib/journeys/journey-state-machine';
import { CATALOG } from '../../workflows';

/** Logical ids of the stand-in functions. */
export const FUNCTION_IDS = { send: 'SendFunction', waitForEvent: 'WaitForEventFunction', journeyEffects: 'JourneyEffectsFunction' } as const;

function standIn(stack: Stack, id: string): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({});'),
  });
}

/** What {@link synthesizeCatalogStack} gives. */
export interface CatalogStack {
  readonly stack: Stack;
  readonly template: Template;
  readonly machines: JourneyStateMachine[];
  /** The stand-in functions' CloudFormation logical ids. */
  readonly logicalIds: Record<keyof typeof FUNCTION_IDS, string>;
}

/** Synthesizes the catalog stack. */
export function synthesizeCatalogStack(): CatalogStack {
  const app = new App();
  const stack = new Stack(app, 'Journeys', { env: { account: '123456789012', region: 'eu-west-1' } });
  const sendFunction = standIn(stack, FUNCTION_IDS.send);
  const waitForEventFunction = standIn(stack, FUNCTION_IDS.waitForEvent);
  const journeyEffectsFunction = standIn(stack, FUNCTION_IDS.journeyEffects);
  const logGroup = new logs.LogGroup(stack, 'JourneyLogs');
  const machines = CATALOG.map(
    (journey) =>
      new JourneyStateMachine(stack, `Journey-${journey.id}`, { journey, sendFunction, waitForEventFunction, journeyEffectsFunction, logGroup }),
  );
  const logicalIdOf = (fn: lambda.Function): string => stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction);
  return {
    stack,
    template: Template.fromStack(stack),
    machines,
    logicalIds: { send: logicalIdOf(sendFunction), waitForEvent: logicalIdOf(waitForEventFunction), journeyEffects: logicalIdOf(journeyEffectsFunction) },
  };
}
