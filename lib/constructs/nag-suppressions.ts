/**
 * The cdk-nag (AwsSolutions) findings Overture accepts, each acknowledged on the one construct it
 * concerns, with the reason it is right here. Everything not listed must pass; the CDK test
 * `test/cdk/nag.test.ts` fails on any other finding.
 */
import { type CfnElement, type Stack, Token, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';
import { type AudienceLauncher, LAUNCH_RESULTS_FOLDER } from './audience-launcher';
import type { ConsentEndpoints } from './consent-endpoints';
import type { Delivery } from './delivery';
import type { Journeys } from './journeys';
import { OvertureFunction } from './overture-function';
import type { ScheduledTriggers } from './scheduled-triggers';

/** Why each accepted finding is right for Overture. */
export const NAG_REASONS = {
  noResourceLevelPermissions:
    'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSampling*) and Step Functions log delivery (logs:*LogDelivery*, ' +
    'PutResourcePolicy, Describe*) support no resource-level permissions, so IAM requires Resource "*"; the statement ' +
    'holds those actions only (checked by test/cdk/security.test.ts).',
  nodeRuntime:
    'Node.js 22 (NODEJS_22_X) is the runtime the project builds, tests and benchmarks on, as issue 5 requires; a newer ' +
    'runtime is a deliberate upgrade, not a drift.',
  lambdaVersions:
    'lambda:InvokeFunction on one function and its versions and aliases (ARN + ":*"), as the Step Functions and Scheduler ' +
    'Lambda integrations grant it; no other function is reachable.',
  errorLevelLogging:
    'Executions log at ERROR without execution data by design: ALL would write every state transition (cost at millions ' +
    'of customers), and execution data stays out of logs; X-Ray traces and the per-journey dashboards cover the rest.',
  linkKeyRotation:
    'The key signs unsubscribe and preference links already sitting in customers\' inboxes; rotating it on a schedule ' +
    'would break one-click unsubscribe for them. It is rotated by hand, keeping old keys as previous and retired keys ' +
    '(docs/consent.md, "Rotating the link key").',
  audienceFiles:
    'The launch names its audience file at start time, so the Distributed Map ItemReader may read any object of the ' +
    'audience bucket, which holds audience files (customer ids) only.',
  journeyExecutions:
    'A start whose deterministic execution name is held reads that execution (DescribeExecution) to tell another ' +
    "customer's entry from a repeat of its own; names are made at run time from ids, so the grant is every execution of " +
    'the journey state machines, and DescribeExecution only.',
  distributedMapChildren:
    'A Distributed Map describes and stops its own child executions, whose names Step Functions generates; the ARNs are ' +
    'scoped to executions of this state machine.',
  inactivityAudiences: 'The inactivity scan writes one dated audience file a day, under the inactivity/ prefix only.',
  launchResults:
    'The Distributed Map ResultWriter writes each launch\'s batch results under launch-results/<launch id>/<map run id>/, ' +
    'names Step Functions chooses at run time; the grant is the launch-results/ folder only.',
  publicConsentApi:
    'The consent API serves one-click unsubscribe (RFC 8058: no login), double opt-in links and the preference centre ' +
    'reached from messages; every request is authorized by an HMAC-signed, expiring token scoped to one customer and ' +
    'purpose, and the stage is throttled.',
} as const;

/** The constructs whose findings are acknowledged. */
export interface NagSubjects {
  readonly stack: Stack;
  readonly delivery: Delivery;
  readonly journeys: Journeys;
  readonly launcher: AudienceLauncher;
  readonly schedules: ScheduledTriggers;
  readonly consent: ConsentEndpoints;
}

function acknowledge(construct: IConstruct, id: string, reason: string): void {
  Validations.of(construct).acknowledge({ id, reason });
}

/** The IAM5 finding id cdk-nag gives `Fn.Arn:*` of a function in `stack`. */
function functionVersionsFinding(stack: Stack, fn: IFunction): string {
  return `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`;
}

/** Acknowledges the accepted findings (see {@link NAG_REASONS}). */
export function addNagSuppressions(subjects: NagSubjects): void {
  const { stack, delivery, journeys, launcher, schedules, consent } = subjects;
  const all = stack.node.findAll();

  for (const fn of all.filter((node): node is OvertureFunction => node instanceof OvertureFunction)) {
    acknowledge(fn, 'AwsSolutions-L1', NAG_REASONS.nodeRuntime);
    acknowledge(fn.executionRole, 'AwsSolutions-IAM5[Resource::*]', NAG_REASONS.noResourceLevelPermissions);
  }
  for (const machine of all.filter((node): node is StateMachine => node instanceof StateMachine)) {
    acknowledge(machine, 'AwsSolutions-SF1', NAG_REASONS.errorLevelLogging);
    acknowledge(machine.role, 'AwsSolutions-IAM5[Resource::*]', NAG_REASONS.noResourceLevelPermissions);
  }
  for (const machine of journeys.machines.values()) {
    for (const fn of [delivery.sendFunction, journeys.waitForEventFunction, journeys.journeyEffectsFunction]) {
      acknowledge(machine.stateMachine.role, functionVersionsFinding(stack, fn), NAG_REASONS.lambdaVersions);
    }
  }

  acknowledge(delivery.linkSecret, 'AwsSolutions-SMG4', NAG_REASONS.linkKeyRotation);

  const launcherMachine = launcher.stateMachine;
  acknowledge(launcherMachine.role, functionVersionsFinding(stack, launcher.launchFunction), NAG_REASONS.lambdaVersions);
  acknowledge(
    launcherMachine.role,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<${stack.getLogicalId(launcher.bucket.node.defaultChild as CfnElement)}>/*]`,
    NAG_REASONS.audienceFiles,
  );
  acknowledge(
    launcherMachine.role,
    `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(launcher.bucket.node.defaultChild as CfnElement)}.Arn>/${LAUNCH_RESULTS_FOLDER}/*]`,
    NAG_REASONS.launchResults,
  );
  const launcherName = `{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${stack.getLogicalId(launcherMachine.node.defaultChild as CfnElement)}"}]}]}`;
  // cdk-nag renders unresolved pseudo parameters as <AWS::Region>, <AWS::AccountId>.
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  for (const machine of journeys.machines.values()) {
    const journeyExecutions = `arn:<AWS::Partition>:states:${region}:${account}:execution:<${stack.getLogicalId(machine.stateMachine.node.defaultChild as CfnElement)}.Name>:*`;
    for (const fn of journeys.starters) acknowledge(fn.executionRole, `AwsSolutions-IAM5[Resource::${journeyExecutions}]`, NAG_REASONS.journeyExecutions);
  }
  const executions = `arn:<AWS::Partition>:states:${region}:${account}:execution:${launcherName}`;
  for (const resource of [`${executions}:*`, `${executions}/*:*`]) {
    acknowledge(launcherMachine, `AwsSolutions-IAM5[Resource::${resource}]`, NAG_REASONS.distributedMapChildren);
  }

  acknowledge(
    schedules.inactivityScanFunction.executionRole,
    `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(launcher.bucket.node.defaultChild as CfnElement)}.Arn>/inactivity/*]`,
    NAG_REASONS.inactivityAudiences,
  );
  // Scheduler's target role is shared per stack and target function, outside any of our constructs.
  acknowledge(stack, functionVersionsFinding(stack, schedules.inactivityScanFunction), NAG_REASONS.lambdaVersions);

  acknowledge(consent.api, 'AwsSolutions-APIG4', NAG_REASONS.publicConsentApi);
}
