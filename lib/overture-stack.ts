import { CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { CATALOG } from '../workflows';
import type { OvertureConfig } from './config';
import type { Journey } from './journeys/format';
import { AudienceLauncher } from './constructs/audience-launcher';
import { ConsentEndpoints } from './constructs/consent-endpoints';
import { CustomerData } from './constructs/customer-data';
import { CustomerEvents } from './constructs/customer-events';
import { Delivery } from './constructs/delivery';
import { DeliveryFeedback } from './constructs/delivery-feedback';
import { Journeys } from './constructs/journeys';
import { addNagSuppressions } from './constructs/nag-suppressions';
import { Operations } from './constructs/operations';
import { OvertureFunction } from './constructs/overture-function';
import { ScheduledTriggers } from './constructs/scheduled-triggers';
import { DeadLetterQueue, QueueWithDeadLetters } from './constructs/secure-queues';

/** Props of {@link OvertureStack}. */
export interface OvertureStackProps extends StackProps {
  /** Validated deployment settings (see `readConfig`). */
  readonly config: OvertureConfig;
  /**
   * The journeys to deploy.
   * @default - the catalog of `workflows/`
   */
  readonly journeys?: readonly Journey[];
}

/**
 * The whole Overture system in one deployable stack:
 *
 * customer events (bus → ingest) start and resume journeys (one state machine each), whose send
 * steps go through the permission gate to SES, SMS or the direct-mail queue; audience launches
 * (S3 CSV → Distributed Map) and schedules (the daily inactivity scan, scheduled journeys) start
 * them too; SES feedback and the consent API and SMS keywords keep permission current; operators
 * get dashboards and alarms.
 */
export class OvertureStack extends Stack {
  /** Customer profiles, consents, preferences, suppressions and the send ledger. */
  public readonly data: CustomerData;
  /** SES and SMS configuration sets, the direct-mail queue, the send function. */
  public readonly delivery: Delivery;
  /** One state machine per journey and the functions their steps invoke. */
  public readonly journeys: Journeys;
  /** The customer event bus and the ingest function. */
  public readonly events: CustomerEvents;
  /** The audience bucket and the launcher state machine. */
  public readonly launcher: AudienceLauncher;
  /** The inactivity scan and journey schedules. */
  public readonly schedules: ScheduledTriggers;
  /** SES bounces and complaints, and SMS delivery failures, to suppressions. */
  public readonly feedback: DeliveryFeedback;
  /** The consent HTTP API and inbound SMS keywords. */
  public readonly consent: ConsentEndpoints;
  /** Dashboards and alarms. */
  public readonly operations: Operations;

  constructor(scope: Construct, id: string, props: OvertureStackProps) {
    super(scope, id, props);
    const { config } = props;
    const journeyDefinitions = props.journeys ?? CATALOG;
    const logRetention = retentionOf(config.logRetentionDays);
    const environment = config.environment;
    Tags.of(this).add('overture:environment', environment);

    this.data = new CustomerData(this, 'CustomerData', { deletionProtection: config.deletionProtection });
    this.delivery = new Delivery(this, 'Delivery', { config, data: this.data, logRetention });
    this.journeys = new Journeys(this, 'Journeys', {
      journeys: journeyDefinitions,
      data: this.data,
      sendFunction: this.delivery.sendFunction,
      logRetention,
      environment,
    });
    this.events = new CustomerEvents(this, 'CustomerEvents', {
      environment,
      data: this.data,
      journeys: this.journeys,
      journeyDefinitions,
      logRetention,
    });
    this.launcher = new AudienceLauncher(this, 'AudienceLauncher', {
      environment,
      data: this.data,
      journeys: this.journeys,
      logRetention,
      retainData: config.deletionProtection,
    });
    this.schedules = new ScheduledTriggers(this, 'ScheduledTriggers', {
      data: this.data,
      journeys: this.journeys,
      journeyDefinitions,
      launcher: this.launcher,
      logRetention,
      inactivityScanSchedule: config.inactivityScanSchedule,
      timezone: config.scheduleTimezone,
    });
    this.feedback = new DeliveryFeedback(this, 'DeliveryFeedback', {
      data: this.data,
      configurationSetName: this.delivery.emailConfigurationSet.configurationSetName,
      smsFeedbackTopic: this.delivery.smsFeedbackTopic,
      logRetention,
    });
    this.consent = new ConsentEndpoints(this, 'ConsentEndpoints', { config, data: this.data, delivery: this.delivery, logRetention });
    // A save in the preference centre resumes the journeys waiting for the customer's preferences.
    this.journeys.grantResume(this.consent.apiFunction);
    this.operations = new Operations(this, 'Operations', {
      environment,
      journeys: this.journeys,
      launcher: this.launcher.stateMachine,
      sendLogGroup: this.delivery.sendFunction.functionLogGroup,
      deadLetterQueues: this.node.findAll().filter((node): node is DeadLetterQueue => node instanceof DeadLetterQueue),
      workQueues: this.node.findAll().filter((node): node is QueueWithDeadLetters => node instanceof QueueWithDeadLetters),
      functions: this.node.findAll().filter((node): node is OvertureFunction => node instanceof OvertureFunction),
      consentApiStage: this.consent.stage,
      alarmEmail: config.alarmEmail,
    });

    new CfnOutput(this, 'CustomerEventBusName', { value: this.events.bus.eventBusName, description: 'Put customer events here' });
    new CfnOutput(this, 'AudienceBucketName', { value: this.launcher.bucket.bucketName, description: 'Audience CSV files (customerId column)' });
    new CfnOutput(this, 'LauncherStateMachineArn', {
      value: this.launcher.stateMachine.stateMachineArn,
      description: 'Start with { "journey": "...", "audienceKey": "..." }; the execution name is the launch id',
    });
    new CfnOutput(this, 'ConsentApiUrl', { value: this.consent.api.apiEndpoint, description: 'Map overture:publicBaseUrl to this endpoint' });
    new CfnOutput(this, 'InboundSmsTopicArn', {
      value: this.consent.inboundSmsTopic.topicArn,
      description: 'Set as the two-way SMS channel of the origination number',
    });
    new CfnOutput(this, 'DirectMailQueueUrl', { value: this.delivery.directMail.queue.queueUrl, description: 'The print vendor reads letters here' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.operations.alarmTopic.topicArn, description: 'Subscribe on-call here' });

    addNagSuppressions({
      stack: this,
      delivery: this.delivery,
      journeys: this.journeys,
      launcher: this.launcher,
      schedules: this.schedules,
      consent: this.consent,
    });
  }
}

const RETENTION_BY_DAYS = new Map<number, RetentionDays>(
  Object.values(RetentionDays)
    .filter((value): value is RetentionDays => typeof value === 'number')
    .map((value) => [value, value]),
);

/** The CloudWatch Logs retention of `days` (validated by the config to be one CloudWatch accepts). */
function retentionOf(days: number): RetentionDays {
  return RETENTION_BY_DAYS.get(days) ?? RetentionDays.ONE_MONTH;
}

