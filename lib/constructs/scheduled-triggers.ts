import { Duration, TimeZone } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke, StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ENVIRONMENT_VARIABLES } from '../ingest/environments';
import type { Journey } from '../journeys/format';
import type { AudienceLauncher } from './audience-launcher';
import type { CustomerData } from './customer-data';
import { pascalCase, type Journeys } from './journeys';
import { OvertureFunction } from './overture-function';
import { DeadLetterQueue } from './secure-queues';

/** The audience file a scheduled journey launches with: marketers keep it current. */
export function scheduledAudienceKey(journeyId: string): string {
  return `scheduled/${journeyId}.csv`;
}

/** Props of {@link ScheduledTriggers}. */
export interface ScheduledTriggersProps {
  readonly data: CustomerData;
  readonly journeys: Journeys;
  readonly journeyDefinitions: readonly Journey[];
  readonly launcher: AudienceLauncher;
  readonly logRetention: RetentionDays;
  /** When the inactivity scan runs, a Scheduler `cron(…)` expression. */
  readonly inactivityScanSchedule: string;
  /** The zone of the scan's schedule and of journeys' schedules that name none. */
  readonly timezone: string;
}

/**
 * EventBridge Scheduler triggers: the daily inactivity scan, which launches the inactivity
 * journeys (win-back) through the audience launcher, and one schedule per journey with a
 * `schedule` entry, which launches it for its audience file (`scheduled/<journey>.csv`). Failed
 * deliveries are retried by Scheduler and then dead-lettered.
 */
export class ScheduledTriggers extends Construct {
  /** Finds lapsed customers and launches the inactivity journeys. */
  public readonly inactivityScanFunction: OvertureFunction;
  /** The daily scan's schedule. */
  public readonly inactivityScan: Schedule;
  /** One schedule per scheduled journey, by journey id. */
  public readonly journeySchedules: ReadonlyMap<string, Schedule>;
  /** Schedules Scheduler could not deliver, and scans that failed after Lambda's retries. */
  public readonly deadLetters: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: ScheduledTriggersProps) {
    super(scope, id);
    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', { purpose: 'scheduled triggers that did not run' });

    this.inactivityScanFunction = new OvertureFunction(this, 'InactivityScanFunction', {
      entry: 'functions/launcher/inactivity-scan.ts',
      serviceName: 'inactivity-scan',
      description: 'Daily: finds customers inactive long enough for win-back and launches them',
      logRetention: props.logRetention,
      timeout: Duration.minutes(15),
      deadLetterQueue: this.deadLetters.queue,
      environment: {
        [ENVIRONMENT_VARIABLES.audienceBucket]: props.launcher.bucket.bucketName,
        [ENVIRONMENT_VARIABLES.launcherStateMachineArn]: props.launcher.stateMachine.stateMachineArn,
      },
    });
    this.inactivityScanFunction.bindLapseIndex(props.data);
    props.journeys.bindRoutes(this.inactivityScanFunction);
    this.inactivityScanFunction.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['s3:PutObject'],
        resources: [props.launcher.bucket.arnForObjects('inactivity/*')],
      }),
    );
    props.launcher.stateMachine.grantStartExecution(this.inactivityScanFunction);

    const timeZone = TimeZone.of(props.timezone);
    this.inactivityScan = new Schedule(this, 'InactivityScan', {
      description: 'Daily inactivity scan feeding win-back',
      schedule: ScheduleExpression.expression(props.inactivityScanSchedule, timeZone),
      target: new LambdaInvoke(this.inactivityScanFunction, {
        deadLetterQueue: this.deadLetters.queue,
        retryAttempts: 3,
        maxEventAge: Duration.hours(6),
        input: ScheduleTargetInput.fromObject({}),
      }),
    });

    const schedules = new Map<string, Schedule>();
    for (const journey of props.journeyDefinitions) {
      const { trigger } = journey.entry;
      if (trigger.kind !== 'schedule') continue;
      schedules.set(
        journey.id,
        new Schedule(this, `Launch${pascalCase(journey.id)}`, {
          description: `Launches ${journey.id} for ${scheduledAudienceKey(journey.id)}`,
          schedule: ScheduleExpression.expression(trigger.expression, trigger.timezone ? TimeZone.of(trigger.timezone) : timeZone),
          target: new StepFunctionsStartExecution(props.launcher.stateMachine, {
            deadLetterQueue: this.deadLetters.queue,
            retryAttempts: 3,
            maxEventAge: Duration.hours(6),
            // Scheduler delivers a run at least once, and again when it retries a StartExecution
            // whose answer it missed; Step Functions names each of those executions anew. The
            // run's scheduled time, the same in every delivery, makes them one launch (see
            // AudienceLauncher), so a journey that re-enters `always` sends a run's messages once.
            input: ScheduleTargetInput.fromObject({
              journey: journey.id,
              audienceKey: scheduledAudienceKey(journey.id),
              scheduledAt: ContextAttribute.scheduledTime,
            }),
          }),
        }),
      );
    }
    this.journeySchedules = schedules;
  }
}
