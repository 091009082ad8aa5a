import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  LogQueryWidget,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import type { SmsFailureEventType } from '../feedback/sms-events';
import { METRICS_NAMESPACE } from '../runtime/metrics-namespace';
import type { RateLimitedChannel } from '../store/send-slots';
import type { Journeys } from './journeys';
import type { OvertureFunction } from './overture-function';
import type { DeadLetterQueue, QueueWithDeadLetters } from './secure-queues';

/**
 * Half of SES's review thresholds (bounce 5%, complaint 0.1% put an account under review;
 * 10% and 0.5% may pause sending), so there is time to act before SES does.
 */
export const SES_ALARM_THRESHOLDS = { bounceRate: 0.02, complaintRate: 0.0005 } as const;

/**
 * SMS failures that carriers report against the sender, not the recipient: `TEXT_SPAM` (the
 * carrier's spam filter took the text) and `TEXT_CARRIER_BLOCKED` (the carrier blocks the sender or
 * the content, e.g. an unregistered number). The feedback function only counts them (suppressing
 * the customer would hide the problem), so an alarm per type brings them to an operator, whose fix
 * differs: the wording of a template for spam, the origination identity's registration for blocks.
 * Five in 15 minutes: an occasional filtered text is noise, a journey whose texts all fail is not.
 */
export const SMS_SENDER_FAILURE_ALARMS = {
  eventTypes: ['TEXT_SPAM', 'TEXT_CARRIER_BLOCKED'],
  threshold: 5,
  period: Duration.minutes(15),
} as const satisfies { eventTypes: readonly SmsFailureEventType[]; threshold: number; period: Duration };

/**
 * Confirmations the consent API withheld because their address or number had had its budget of
 * confirmations (3 a day, lib/consent-api/confirmation-budget.ts): `confirmation_over_budget` and
 * `sms_confirmation_over_budget`. A few a day are people filling a form again; twenty in an hour
 * is someone using the public form against other people's inboxes or phones, which the budget
 * holds to three each but an operator should know of (the API's throttle, a WAF rule, the form).
 */
export const CONFIRMATION_BUDGET_ALARM = {
  metricNames: ['confirmation_over_budget', 'sms_confirmation_over_budget'],
  threshold: 20,
  period: Duration.hours(1),
} as const;

/**
 * Messages the provider refused for good (`failed_<channel>`: SES paused sending, the SMS monthly
 * spend limit, a permission or configuration mistake) or whose fate the send function cannot know
 * (`unknown_<channel>`: a 5xx, a timeout; never sent again), as functions/send counts them. Either
 * way the step answers normally and the journey goes on, so only these counts show a channel gone
 * dark. An alarm fires when, in 15 minutes, at least `minimum` of a channel's messages ended so
 * and they were at least half of its messages (no fewer than those sent): one recipient's
 * rejection, or a steady trickle of them during a large campaign, never alarms; a channel that
 * refuses all it is given alarms within 15 minutes at five messages or more in that time, which a
 * count alone could not do without also alarming on a large campaign's few rejections. (Direct
 * mail is a queue: nothing is `unknown`.)
 */
export const CHANNEL_OUTAGE_ALARMS = {
  metrics: ['failed_email', 'failed_sms', 'failed_mail', 'unknown_email', 'unknown_sms'],
  minimum: 5,
  period: Duration.minutes(15),
} as const satisfies { metrics: ReadonlyArray<`${'failed' | 'unknown'}_${string}`>; minimum: number; period: Duration };

/**
 * Send steps that failed after their retries, across every journey: the journeyEffects function
 * counts `journey_sendFailed` per journey and once more with the service dimension alone
 * (functions/journey-effects), so one alarm watches every journey rather than one per journey
 * (each would cost a resource of CloudFormation's 500). The execution goes on and succeeds, so
 * `ExecutionsFailed` never sees it, and a low-volume journey never reaches 5 function errors in 5 minutes.
 */
export const SEND_FAILED_ALARM = { metricName: 'journey_sendFailed', threshold: 1, period: Duration.minutes(15) } as const;

/**
 * Functions invoked asynchronously (EventBridge, SNS, Scheduler: those with a dead-letter queue)
 * whose events wait in Lambda's own queue while the function is throttled or failing, up to 6
 * hours, before the dead-letter queue: meanwhile a complainer keeps being mailed and a STOP keeps
 * being texted. Lambda's own retries of a failed event (after about 1 and 2 minutes) age it by
 * 3 minutes or so; 10 minutes means the function is not keeping up. A dropped event (expired, or
 * out of retries) alarms at the first.
 */
export const ASYNC_BACKLOG_ALARMS = { maximumEventAge: Duration.minutes(10), period: Duration.minutes(5) } as const;

/** The Powertools service name of the consent API function, a dimension of every metric it emits. */
const CONSENT_API_SERVICE = 'consent-api';

/** The Powertools service name of the feedback function, a dimension of every metric it emits. */
const FEEDBACK_SERVICE = 'feedback';

/** The Powertools service name of the journeyEffects function, a dimension of every metric it emits. */
const JOURNEY_EFFECTS_SERVICE = 'journey-effects';

/** Props of {@link Operations}. */
export interface OperationsProps {
  readonly environment: string;
  readonly journeys: Journeys;
  /** The launcher state machine (its failures alarm too). */
  readonly launcher: StateMachine;
  /** The send function's log group: per-journey send outcomes are read from its structured logs. */
  readonly sendLogGroup: ILogGroup;
  /** Every dead-letter queue of the stack: a message in any of them needs an operator. */
  readonly deadLetterQueues: readonly DeadLetterQueue[];
  /** Every work queue: each alarms when its oldest message is older than its `staleAfter`. */
  readonly workQueues: readonly QueueWithDeadLetters[];
  /** Every function: errors alarm. */
  readonly functions: readonly OvertureFunction[];
  /**
   * The consent HTTP API's stage: its server errors (`5xx`) alarm. The function answers its own
   * failures with a 500 (middy's error handler), so its `Errors` metric never counts them.
   */
  readonly consentApiStage: HttpStage;
  /**
   * Who receives alarm notifications by email.
   * @default - nobody; subscribe to `alarmTopic`
   */
  readonly alarmEmail?: string;
}

/**
 * What operators watch: one dashboard per journey (executions, entries, send outcomes by channel
 * and reason, goals and exits), one overview (SES reputation, SMS carrier filtering, dead letters,
 * ingest), and alarms on failed executions, dead-letter queue depth, function errors, consent API
 * server errors (≥ 5 in 5 minutes), SES bounce
 * (≥ 2%) and complaint (≥ 0.05%) rates, texts carriers refuse as spam or block (≥ 5 of a type in
 * 15 minutes), confirmations withheld over their destination's budget (≥ 20 in an hour), messages
 * a provider refuses or does not answer (≥ 5 of a channel in 15 minutes, and at least as many as
 * it took), send steps failed after their retries (≥ 1 in 15 minutes, every journey) and
 * asynchronous events waiting or dropped (older than 10 minutes; ≥ 1 dropped), all notifying one
 * encrypted SNS topic.
 */
export class Operations extends Construct {
  /** Where every alarm notifies. */
  public readonly alarmTopic: Topic;
  /** Every alarm, by construct id. */
  public readonly alarms: ReadonlyMap<string, Alarm>;
  /** One dashboard per journey, by journey id. */
  public readonly journeyDashboards: ReadonlyMap<string, Dashboard>;
  /** The overview dashboard. */
  public readonly overview: Dashboard;

  private readonly alarmList = new Map<string, Alarm>();

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const key = new Key(this, 'AlarmTopicKey', {
      description: 'Encrypts Overture alarm notifications',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.alarmTopic = new Topic(this, 'AlarmTopic', { displayName: `Overture ${props.environment} alarms`, masterKey: key, enforceSSL: true });
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    // enforceSSL gives the topic a policy of its own, which replaces SNS's default one: without an
    // Allow, CloudWatch may not publish, and every alarm would change state and notify nobody.
    const stack = Stack.of(this);
    this.alarmTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
    // CloudWatch publishes to an encrypted topic only if it may use the topic's key.
    key.grant(cloudWatch, 'kms:GenerateDataKey', 'kms:Decrypt');
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));

    for (const [journeyId, machine] of props.journeys.machines) {
      this.alarm(`${journeyId}-failed-executions`, machine.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }), {
        threshold: 1,
        description: `Executions of journey ${journeyId} failed: find them in the Step Functions console by the customer id in their name`,
      });
    }
    this.alarm('launcher-failed-executions', props.launcher.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }), {
      threshold: 1,
      description: 'An audience launch failed: a batch kept failing (see the launch worker logs)',
    });
    for (const dlq of props.deadLetterQueues) {
      this.alarm(
        `${pathId(dlq)}-depth`,
        dlq.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        { threshold: 1, description: `Dead letters waiting: ${dlq.purpose}` },
      );
    }
    for (const work of props.workQueues) {
      this.alarm(
        `${pathId(work)}-oldest-message`,
        work.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(15), statistic: 'Maximum' }),
        {
          threshold: work.staleAfter.toSeconds(),
          description: `Messages wait unread for more than ${work.staleAfter.toHumanString()}: ${work.purpose} (kept 7 days, then lost)`,
        },
      );
    }
    for (const fn of props.functions) {
      this.alarm(`${pathId(fn)}-errors`, fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), {
        threshold: 5,
        description: `The ${fn.node.id} function failed 5 times in 5 minutes`,
      });
    }
    // A one-click unsubscribe that fails must be noticed: mailbox providers require it honoured
    // within two days. The function turns its failures into 500 answers, so only the API sees them.
    this.alarm('consent-api-server-errors', props.consentApiStage.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }), {
      threshold: 5,
      description:
        'The consent API answered 5 server errors in 5 minutes: unsubscribes, opt-in confirmations or preference saves are failing (see the ConsentApiFunction logs)',
    });
    const bounceRate = sesReputation('Reputation.BounceRate');
    const complaintRate = sesReputation('Reputation.ComplaintRate');
    this.alarm('ses-bounce-rate', bounceRate, {
      threshold: SES_ALARM_THRESHOLDS.bounceRate,
      description: 'SES bounce rate reached 2% (review at 5%): check the audience and the hard-bounce suppressions',
    });
    this.alarm('ses-complaint-rate', complaintRate, {
      threshold: SES_ALARM_THRESHOLDS.complaintRate,
      description: 'SES complaint rate reached 0.05% (review at 0.1%): check consent and frequency of recent journeys',
    });
    const smsSenderFailures = SMS_SENDER_FAILURE_ALARMS.eventTypes.map((eventType) => {
      const metric = smsFailures(eventType);
      this.alarm(`sms-${eventType.toLowerCase().replaceAll('_', '-')}`, metric, {
        threshold: SMS_SENDER_FAILURE_ALARMS.threshold,
        description:
          `Carriers reported ${SMS_SENDER_FAILURE_ALARMS.threshold} or more ${eventType} SMS failures in 15 minutes: ` +
          'the texts or the sender are being filtered (check recent SMS templates and the origination identity registration)',
      });
      return metric;
    });
    const channelOutcomes = CHANNEL_OUTAGE_ALARMS.metrics.map((metricName) => {
      const [outcome, channel] = metricName.split('_') as ['failed' | 'unknown', string];
      const ended = overtureMetric(metricName, { service: SEND_SERVICE }, CHANNEL_OUTAGE_ALARMS.period);
      const sent = overtureMetric(`sent_${channel}`, { service: SEND_SERVICE }, CHANNEL_OUTAGE_ALARMS.period);
      this.alarm(
        `send-${outcome}-${channel}`,
        new MathExpression({
          // The count when it is at least half of the channel's messages, else 0.
          expression: 'IF(FILL(ended, 0) >= FILL(sent, 0), FILL(ended, 0), 0)',
          usingMetrics: { ended, sent },
          period: CHANNEL_OUTAGE_ALARMS.period,
          label: `${metricName}, when at least the messages sent`,
        }),
        {
          threshold: CHANNEL_OUTAGE_ALARMS.minimum,
          description:
            outcome === 'failed'
              ? `The provider refused ${CHANNEL_OUTAGE_ALARMS.minimum} or more ${channel} messages in 15 minutes, as many as it took or more: ` +
                'sending may be paused or over its quota, or a permission or configuration wrong (see the send function logs, by reason); the journeys go on without them'
              : `${CHANNEL_OUTAGE_ALARMS.minimum} or more ${channel} messages in 15 minutes got no answer from the provider (5xx, timeouts), as many as it took or more: ` +
                'they are never sent again (see the provider\'s health and the send function logs); the journeys go on without them',
        },
      );
      return ended;
    });
    const sendFailed = overtureMetric(SEND_FAILED_ALARM.metricName, { service: JOURNEY_EFFECTS_SERVICE }, SEND_FAILED_ALARM.period);
    this.alarm('journey-send-failed', sendFailed, {
      threshold: SEND_FAILED_ALARM.threshold,
      description:
        'A journey\'s send step failed after its retries and the journey went on without the message: ' +
        'find which journey on its dashboard (failed sends) or with `overture results`, and why in the send function logs',
    });
    for (const fn of props.functions.filter((candidate) => candidate.deadLetterQueue !== undefined)) {
      const period = ASYNC_BACKLOG_ALARMS.period;
      this.alarm(`${pathId(fn)}-async-event-age`, fn.metric('AsyncEventAge', { period, statistic: 'Maximum' }), {
        threshold: ASYNC_BACKLOG_ALARMS.maximumEventAge.toMilliseconds(),
        description:
          `Events for the ${fn.node.id} function waited more than ${ASYNC_BACKLOG_ALARMS.maximumEventAge.toHumanString()} in Lambda's queue: ` +
          'it is throttled or failing, and what it applies (suppressions, STOP texts, customer events) is late (see its Throttles, Errors and concurrency)',
      });
      this.alarm(`${pathId(fn)}-async-events-dropped`, fn.metric('AsyncEventsDropped', { period, statistic: 'Sum' }), {
        threshold: 1,
        description: `Lambda dropped events for the ${fn.node.id} function (too old, or out of retries): see its dead-letter queue and logs`,
      });
    }
    const [emailOverBudget, smsOverBudget] = CONFIRMATION_BUDGET_ALARM.metricNames;
    const consentApiMetric = (name: string) => overtureMetric(name, { service: CONSENT_API_SERVICE }, CONFIRMATION_BUDGET_ALARM.period);
    this.alarm(
      'confirmations-over-budget',
      new MathExpression({
        expression: 'FILL(email, 0) + FILL(sms, 0)',
        usingMetrics: { email: consentApiMetric(emailOverBudget), sms: consentApiMetric(smsOverBudget) },
        period: CONFIRMATION_BUDGET_ALARM.period,
        label: 'confirmations withheld over budget',
      }),
      {
        threshold: CONFIRMATION_BUDGET_ALARM.threshold,
        description:
          `The consent API withheld ${CONFIRMATION_BUDGET_ALARM.threshold} or more confirmations in an hour because their address or number had had 3 that day: ` +
          'someone may be using the public capture form against other people (check the consent API access log by source IP, the stage throttle, a WAF rule)',
      },
    );
    this.alarms = this.alarmList;

    const dashboards = new Map<string, Dashboard>();
    for (const [journeyId, machine] of props.journeys.machines) {
      dashboards.set(journeyId, this.journeyDashboard(props.environment, journeyId, machine.stateMachine, props.sendLogGroup));
    }
    this.journeyDashboards = dashboards;

    this.overview = new Dashboard(this, 'Overview', {
      dashboardName: `overture-${props.environment}-overview`,
      widgets: [
        [new TextWidget({ markdown: `# Overture ${props.environment}\nSES reputation, dead letters and customer events.`, width: 24, height: 2 })],
        [
          new GraphWidget({ title: 'SES bounce rate (alarm at 2%)', left: [bounceRate], width: 12 }),
          new GraphWidget({ title: 'SES complaint rate (alarm at 0.05%)', left: [complaintRate], width: 12 }),
        ],
        [
          new GraphWidget({
            title: `SMS filtered by carriers (alarm at ${SMS_SENDER_FAILURE_ALARMS.threshold} per 15 minutes)`,
            // A label would turn the alarm's metric into a metric-math query, so it is added here only.
            left: smsSenderFailures.map((metric) => metric.with({ label: String(metric.dimensions?.eventType) })),
            width: 24,
          }),
        ],
        [
          new GraphWidget({
            title: 'Dead letters waiting',
            left: props.deadLetterQueues.map((dlq) =>
              dlq.queue.metricApproximateNumberOfMessagesVisible({ label: dlq.purpose, period: Duration.minutes(5), statistic: 'Maximum' }),
            ),
            width: 12,
          }),
          new GraphWidget({
            title: 'Customer events',
            left: ['events_ingested', 'events_rejected', 'executions_resumed'].map((name) => overtureMetric(name, { service: 'ingest' })),
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            // Waiting for a send slot is normal in a burst; for hours on end, the configured rate
            // (overture:sendRateEmail / overture:sendRateSms) is below what the journeys send.
            title: 'Messages sent, and deferred for want of a send slot (the provider\'s rate)',
            left: SEND_SLOT_CHANNELS.map((channel) => overtureMetric(`sent_${channel}`, { service: SEND_SERVICE })),
            right: SEND_SLOT_CHANNELS.map((channel) => overtureMetric(`rate_limited_${channel}`, { service: SEND_SERVICE })),
            width: 24,
          }),
        ],
        [
          new GraphWidget({
            title: `Messages the provider refused (failed) or did not answer (unknown), by channel (alarm at ${CHANNEL_OUTAGE_ALARMS.minimum} in 15 minutes, when as many as were sent)`,
            left: channelOutcomes.map((metric) => metric.with({ label: metric.metricName })),
            width: 12,
          }),
          new GraphWidget({
            title: `Send steps failed after their retries, every journey (alarm at ${SEND_FAILED_ALARM.threshold} in 15 minutes)`,
            left: [sendFailed],
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: `Confirmations not sent (alarm at ${CONFIRMATION_BUDGET_ALARM.threshold} over budget in an hour)`,
            left: [...CONFIRMATION_BUDGET_ALARM.metricNames, 'confirmation_not_sent', 'sms_confirmation_not_sent'].map(consentApiMetric),
            width: 24,
          }),
        ],
      ],
    });
  }

  private alarm(id: string, metric: IMetric, options: { readonly threshold: number; readonly description: string }): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      threshold: options.threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    alarm.addAlarmAction(new SnsAction(this.alarmTopic));
    this.alarmList.set(id, alarm);
    return alarm;
  }

  private journeyDashboard(environment: string, journeyId: string, machine: StateMachine, sendLogGroup: ILogGroup): Dashboard {
    const period = Duration.hours(1);
    const byJourney = (service: string) => ({ service, journey: journeyId });
    return new Dashboard(this, `${journeyId}-dashboard`, {
      dashboardName: `overture-${environment}-${journeyId}`,
      widgets: [
        [new TextWidget({ markdown: `# Journey \`${journeyId}\`\nExecutions are named \`${journeyId}-<customerId>-<entryKey>\`.`, width: 24, height: 2 })],
        [
          new GraphWidget({
            title: 'Executions',
            left: [
              machine.metricStarted({ period, statistic: 'Sum' }),
              machine.metricSucceeded({ period, statistic: 'Sum' }),
              machine.metricFailed({ period, statistic: 'Sum' }),
              machine.metricTimedOut({ period, statistic: 'Sum' }),
            ],
            width: 12,
          }),
          new GraphWidget({
            title: 'Entries',
            left: ['entries_started', 'entries_already_started', 'entries_not_eligible', 'entries_condition_not_met', 'entries_no_profile'].map((name) =>
              overtureMetric(name, byJourney('ingest'), period),
            ),
            right: ['launch_started', 'launch_not_eligible'].map((name) => overtureMetric(name, byJourney('launcher'), period)),
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: 'Goals, exits, stage changes, failed sends',
            left: ['journey_goal', 'journey_exit', 'journey_setStage', 'journey_sendFailed'].map((name) =>
              overtureMetric(name, byJourney('journey-effects'), period),
            ),
            width: 12,
          }),
          new SingleValueWidget({
            title: 'Goal rate (goals per started execution)',
            metrics: [
              new MathExpression({
                expression: 'IF(started > 0, goals / started, 0)',
                usingMetrics: { goals: overtureMetric('journey_goal', byJourney('journey-effects'), Duration.days(1)), started: machine.metricStarted({ period: Duration.days(1), statistic: 'Sum' }) },
                label: 'goal rate',
                period: Duration.days(1),
              }),
            ],
            width: 12,
          }),
        ],
        [
          new LogQueryWidget({
            // Per step, so a marketer sees which message of the journey goes out and which is held back, and why.
            title: 'Send outcomes by step, channel and reason (from the send function logs)',
            logGroupNames: [sendLogGroup.logGroupName],
            queryLines: [
              'fields step, outcome, channel, reason',
              `filter journey = "${journeyId}" and message = "send step finished"`,
              'stats count(*) as steps by step, outcome, channel, reason',
              'sort step asc, steps desc',
            ],
            width: 24,
          }),
        ],
      ],
    });
  }
}

/** A construct's path below its stack, as one id: `CustomerEvents-IngestDeadLetters`. */
function pathId(construct: IConstruct): string {
  return construct.node.scopes
    .slice(2)
    .map((scope) => scope.node.id)
    .join('-');
}

/** A metric the functions emit with Powertools (namespace Overture). */
/** The send function's service dimension, and the channels whose sends take a slot (lib/store/send-slots.ts). */
const SEND_SERVICE = 'send';
const SEND_SLOT_CHANNELS = ['email', 'sms'] as const satisfies readonly RateLimitedChannel[];

function overtureMetric(metricName: string, dimensionsMap: Record<string, string>, period = Duration.minutes(5)): Metric {
  return new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap, period, statistic: 'Sum' });
}

/**
 * The feedback function's count of one SMS failure type. Powertools' `singleMetric()` keeps the
 * default `service` dimension beside `eventType`, and CloudWatch matches every dimension.
 */
function smsFailures(eventType: SmsFailureEventType): Metric {
  return overtureMetric('sms_failure', { service: FEEDBACK_SERVICE, eventType }, SMS_SENDER_FAILURE_ALARMS.period);
}

/** An account-level SES reputation metric (a fraction, e.g. 0.02 for 2%). */
function sesReputation(metricName: 'Reputation.BounceRate' | 'Reputation.ComplaintRate'): Metric {
  return new Metric({ namespace: 'AWS/SES', metricName, period: Duration.hours(1), statistic: 'Maximum' });
}
