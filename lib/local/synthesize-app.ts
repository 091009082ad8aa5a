/**
 * Synthesizing the CDK app for the local runtime: `OvertureStack` (bundling of function code
 * skipped: the local runtime calls the handlers' code directly) plus, for journeys the stack does
 * not define (inline journeys of a scenario), a companion stack compiled by the same
 * `JourneyStateMachine` construct — written to an outdir like `npx cdk synth` does.
 *
 * It runs in a worker thread (see template.ts): the CDK and the constructs' imports (the Lambda
 * observability tooling among them, which installs async hooks) stay out of the runtime's thread.
 */
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CONTEXT_KEYS, readConfig } from '../config';
import type { Journey } from '../journeys/format';
import { JourneyStateMachine } from '../journeys/journey-state-machine';
import { OvertureStack } from '../overture-stack';
import { CATALOG } from '../../workflows';
import { LOCAL_ENVIRONMENT, LOCAL_JOURNEYS_STACK_NAME, LOCAL_SENDER_POSTAL_ADDRESS, LOCAL_STACK_NAME, SKIP_BUNDLING_CONTEXT } from './template-names';

/** One synthesized stack: its name and where its template was written. */
export interface SynthesizedStack {
  readonly stackName: string;
  readonly templateFile: string;
}

/** Logical ids of the companion stack's stand-in functions (bound to handlers by kind, never invoked). */
const STAND_IN_FUNCTIONS = { send: 'SendFunction', waitForEvent: 'WaitForEventFunction', journeyEffects: 'JourneyEffectsFunction' } as const;

/** Synthesizes the app into `outdir`; the Overture stack comes first. */
export function synthesizeAppToDisk(outdir: string, journeys: readonly Journey[] = CATALOG): SynthesizedStack[] {
  const app = new App({
    outdir,
    context: { ...SKIP_BUNDLING_CONTEXT, [CONTEXT_KEYS.environment]: LOCAL_ENVIRONMENT, [CONTEXT_KEYS.senderPostalAddress]: LOCAL_SENDER_POSTAL_ADDRESS },
  });
  const config = readConfig((key) => app.node.tryGetContext(key));
  const stack = new OvertureStack(app, LOCAL_STACK_NAME, { config, description: 'Overture on one machine' });

  const defined = new Map(journeysDefinedIn(stack).map((journey) => [journey.id, journey]));
  // The stack's state machine of that id is the one that would run, while the caller routes
  // events by its own definition: refused rather than running a journey nobody asked for.
  const shadowed = journeys.filter((journey) => {
    const own = defined.get(journey.id);
    return own !== undefined && !sameJourney(own, journey);
  });
  if (shadowed.length > 0) {
    const ids = shadowed.map((journey) => `"${journey.id}"`).join(', ');
    throw new Error(`${LOCAL_STACK_NAME} defines journey ${ids} otherwise, and its state machine would run instead of the one given; give the journey given another id`);
  }
  const missing = journeys.filter((journey) => !defined.has(journey.id));
  if (missing.length > 0) companionJourneyStack(app, missing);

  const assembly = app.synth();
  return [...assembly.stacks]
    .sort((a, b) => (a.stackName === LOCAL_STACK_NAME ? -1 : b.stackName === LOCAL_STACK_NAME ? 1 : 0))
    .map((artifact) => ({ stackName: artifact.stackName, templateFile: path.join(outdir, artifact.templateFile) }));
}

/**
 * Whether two journeys are the same data. Compared as JSON: a journey that crossed to this worker
 * was parsed on the way, which may leave out fields the original held as `undefined`.
 */
function sameJourney(a: Journey, b: Journey): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}

/** The journeys of the state machines a stack defines. */
function journeysDefinedIn(stack: Stack): Journey[] {
  return stack.node
    .findAll()
    .filter((construct): construct is JourneyStateMachine => construct instanceof JourneyStateMachine)
    .map((machine) => machine.journey);
}

function companionJourneyStack(app: App, journeys: readonly Journey[]): void {
  const stack = new Stack(app, LOCAL_JOURNEYS_STACK_NAME);
  const standIn = (id: string): lambda.Function =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({});'),
    });
  const sendFunction = standIn(STAND_IN_FUNCTIONS.send);
  const waitForEventFunction = standIn(STAND_IN_FUNCTIONS.waitForEvent);
  const journeyEffectsFunction = standIn(STAND_IN_FUNCTIONS.journeyEffects);
  for (const journey of journeys) {
    new JourneyStateMachine(stack, `Journey-${journey.id}`, { journey, sendFunction, waitForEventFunction, journeyEffectsFunction, tracingEnabled: false });
  }
}
