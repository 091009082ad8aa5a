import { createHash } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { CUSTOMER_EVENT_TYPES } from '../../lib/ingest/customer-event';
import { IngestEnvironmentSchema, InactivityScanEnvironmentSchema, LaunchEnvironmentSchema } from '../../lib/ingest/environments';
import type { Journey } from '../../lib/journeys/format';
import { readEnvironment } from '../../lib/runtime/environment';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { CONFIRMATION_BUDGET_ALARM, SES_ALARM_THRESHOLDS, SMS_SENDER_FAILURE_ALARMS } from '../../lib/constructs/operations';
import { estimateEnvironmentSize, LAMBDA_ENVIRONMENT_LIMIT_BYTES } from '../../lib/constructs/environment-size';
import { OvertureFunction } from '../../lib/constructs/overture-function';
import { SMS_FAILURE_CLASSES, SMS_FAILURE_EVENT_TYPES } from '../../lib/feedback/sms-events';
import { observability } from '../../lib/runtime/observability';
import { PROVIDER_CLIENT_CONFIG } from '../../lib/channels/port';
import { stdoutOf } from '../support/stdout';
import { scheduledAudienceKey } from '../../lib/constructs/scheduled-triggers';
import { defineJourney, onSchedule, reEntry, send } from '../../workflows/builder';
import { CATALOG } from '../../workflows';
import { actionsOf, logicalIdOf, resolveIntrinsics, resourcesOf, resourcesOfType, roleOfFunction, statementsOfRole, type PolicyStatementJson } from './template-queries';
import { synthesizeOverture, type SynthesizedOverture } from './synthesize';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

/** A journey launched by EventBridge Scheduler every Monday at 10:00 in Paris. */
const mondayDigest = defineJourney({
  id: 'monday-digest',
  name: 'Monday digest',
  entry: onSchedule('cron(0 10 ? * MON *)', reEntry.always, 'Europe/Paris'),
  steps: [send('digest', { template: 'tips', topic: 'marketing', channels: ['email'] })],
});

/**
 * What functions/send counts when the provider refuses a message for good (SES paused, the SMS
 * spend limit) or gives no answer (a 5xx, a timeout), while the step answers normally.
 */
const SEND_OUTCOMES_OF_A_DARK_CHANNEL = ['failed_email', 'failed_sms', 'failed_mail', 'unknown_email', 'unknown_sms'];

let synthesized: SynthesizedOverture;
beforeAll(() => {
  synthesized = synthesizeOverture({ journeys: [...CATALOG, mondayDigest] });
});

function typesOf(): Record<string, string> {
  const json = synthesized.template.toJSON() as { Resources: Record<string, { Type: string }> };
  return Object.fromEntries(Object.entries(json.Resources).map(([id, resource]) => [id, resource.Type]));
}


/**
 * What a function's Powertools metrics write when `emit` runs: the EMF directive (namespace,
 * dimension names, metric names) and its dimensions with their values, as an alarm names them.
 */
function emittedMetrics(emit: () => void): {
  directive: { Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> } | undefined;
  dimensions: Array<{ Name: string; Value: string }>;
} {
  const emf = JSON.parse(stdoutOf(emit).trim()) as Record<string, unknown> & {
    _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
  };
  const [directive] = emf._aws.CloudWatchMetrics;
  return { directive, dimensions: (directive?.Dimensions[0] ?? []).map((name) => ({ Name: name, Value: String(emf[name]) })) };
}

describe('customer events', () => {
  it('route the customer event types and every event the journeys name from the bus to ingest, retried and dead-lettered', () => {
    // Prepare
    const { stack, template } = synthesized;

    // Assess
    expect(stack.events.eventNames).toEqual(expect.arrayContaining([...CUSTOMER_EVENT_TYPES, 'tier_changed', 'reward_redeemed', 'preferences_updated']));
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: logicalIdOf(stack, stack.events.bus) },
      EventPattern: { 'detail-type': [...stack.events.eventNames] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalIdOf(stack, stack.events.ingestFunction), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(stack, stack.events.deadLetters.queue), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'overture-dev-customer-events' });
    template.hasResourceProperties('AWS::Events::Archive', { SourceArn: { 'Fn::GetAtt': [logicalIdOf(stack, stack.events.bus), 'Arn'] }, RetentionDays: 30 });
  });

  it('give ingest every journey with its state machine, entry and re-entry rule', () => {
    // Prepare
    const { stack } = synthesized;
    const ingest = resourcesOfType(synthesized.template, 'AWS::Lambda::Function')[logicalIdOf(stack, stack.events.ingestFunction)];
    const variables = ingest?.Properties?.Environment as { Variables: Record<string, unknown> };

    // Act: as the function reads them, its ARNs rebuilt from the prefix
    const resolved = Object.fromEntries(Object.entries(variables.Variables).map(([name, value]) => [name, resolveIntrinsics(value, typesOf())]));
    const routes = readEnvironment(IngestEnvironmentSchema, { ...resolved, DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/dead-letters' }).JOURNEY_ROUTES;

    // Assess
    expect(routes.map(({ journey, trigger, reEntry: rule }) => ({ journey, trigger, reEntry: rule }))).toEqual(
      [...CATALOG, mondayDigest].map((journey) => ({ journey: journey.id, trigger: journey.entry.trigger, reEntry: journey.entry.reEntry })),
    );
    for (const route of routes) {
      expect(route.stateMachineArn).toBe(`arn:aws:states:us-east-1:111122223333:stateMachine:overture-dev-${route.journey}`);
    }
  });
});

describe('scheduled triggers', () => {
  it('run the inactivity scan daily at 03:00 UTC, retried and dead-lettered', () => {
    // Prepare
    const { stack, template } = synthesized;

    // Assess
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [logicalIdOf(stack, stack.schedules.inactivityScanFunction), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(stack, stack.schedules.deadLetters.queue), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 21600 },
      }),
    });
  });

  it('launch a scheduled journey through the launcher with its audience file, in its own time zone, with ids only', () => {
    // Prepare
    const { stack, template } = synthesized;

    // Assess
    expect([...stack.schedules.journeySchedules.keys()]).toEqual(['monday-digest']);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 10 ? * MON *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      Target: Match.objectLike({
        Arn: { Ref: logicalIdOf(stack, stack.launcher.stateMachine) },
        // The run's scheduled time, the same in every delivery of the run: one launch however often it is delivered.
        Input: JSON.stringify({ journey: 'monday-digest', audienceKey: scheduledAudienceKey('monday-digest'), scheduledAt: '<aws.scheduler.scheduled-time>' }),
      }),
    });
  });

  it('let the scan write its audiences and start the launcher, and read the table only by Scan', () => {
    // Prepare
    const { stack, template } = synthesized;
    const scan = resourcesOfType(template, 'AWS::Lambda::Function')[logicalIdOf(stack, stack.schedules.inactivityScanFunction)];

    // Assess
    expect(scan?.Properties).toMatchObject({
      Timeout: 900,
      Environment: {
        Variables: expect.objectContaining({
          AUDIENCE_BUCKET_NAME: { Ref: logicalIdOf(stack, stack.launcher.bucket) },
          LAUNCHER_STATE_MACHINE_ARN: { Ref: logicalIdOf(stack, stack.launcher.stateMachine) },
        }),
      },
    });
  });
});

describe('delivery', () => {
  it('sends every SES event of the configuration set to EventBridge, with TLS required and reputation metrics', () => {
    // Prepare
    const { stack, template } = synthesized;

    // Assess
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      Name: 'overture-dev',
      DeliveryOptions: { TlsPolicy: 'REQUIRE' },
      ReputationOptions: { ReputationMetricsEnabled: true },
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: logicalIdOf(stack, stack.delivery.emailConfigurationSet) },
      EventDestination: Match.objectLike({
        Enabled: true,
        MatchingEventTypes: Match.arrayWith(['bounce', 'complaint']),
        EventBridgeDestination: { EventBusArn: { 'Fn::Join': ['', Match.arrayWith([':event-bus/default'])] } },
      }),
    });
  });

  it('sends the bounces and complaints of that configuration set to the feedback function', () => {
    // Prepare
    const { stack, template } = synthesized;

    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ses'],
        'detail-type': ['Email Bounced', 'Email Complaint Received'],
        detail: { mail: { tags: { 'ses:configuration-set': [{ Ref: logicalIdOf(stack, stack.delivery.emailConfigurationSet) }] } } },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOf(stack, stack.feedback.feedbackFunction), 'Arn'] } })],
    });
  });

  it('creates the SMS configuration set named in context, logging delivery failures and publishing them for feedback', () => {
    synthesized.template.hasResourceProperties('AWS::SMSVOICE::ConfigurationSet', {
      ConfigurationSetName: 'overture-dev',
      EventDestinations: [
        Match.objectLike({
          Enabled: true,
          MatchingEventTypes: Match.arrayWith(['TEXT_BLOCKED', 'TEXT_CARRIER_UNREACHABLE']),
          CloudWatchLogsDestination: Match.objectLike({ IamRoleArn: Match.anyValue(), LogGroupArn: Match.anyValue() }),
        }),
        Match.objectLike({ EventDestinationName: 'feedback' }),
      ],
    });
  });

  it('publishes every SMS failure of that configuration set to the SMS feedback topic, to which the feedback function is subscribed', () => {
    // Prepare
    const { stack, template } = synthesized;
    const topic = logicalIdOf(stack, stack.delivery.smsFeedbackTopic);
    const configurationSets = Object.values(resourcesOfType(template, 'AWS::SMSVOICE::ConfigurationSet'));
    const topicPolicy = Object.entries(resourcesOfType(template, 'AWS::SNS::TopicPolicy')).find(([, policy]) =>
      JSON.stringify(policy.Properties?.Topics) === JSON.stringify([{ Ref: topic }]),
    );

    // Assess
    expect(configurationSets).toHaveLength(1);
    expect((configurationSets[0]?.Properties?.EventDestinations as unknown[])[1]).toEqual({
      EventDestinationName: 'feedback',
      Enabled: true,
      MatchingEventTypes: [...SMS_FAILURE_EVENT_TYPES],
      SnsDestination: { TopicArn: { Ref: topic } },
    });
    expect(SMS_FAILURE_EVENT_TYPES).toEqual(expect.arrayContaining(['TEXT_INVALID', 'TEXT_BLOCKED', 'TEXT_TTL_EXPIRED', 'TEXT_CARRIER_UNREACHABLE', 'TEXT_SPAM']));
    // The service may check its access when the destination is created, so the policy comes first.
    expect(topicPolicy).toBeDefined();
    template.hasResource('AWS::SMSVOICE::ConfigurationSet', { DependsOn: Match.arrayWith([topicPolicy?.[0]]) });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: topic },
      Endpoint: { 'Fn::GetAtt': [logicalIdOf(stack, stack.feedback.feedbackFunction), 'Arn'] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(stack, stack.feedback.deadLetters.queue), 'Arn'] } },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [logicalIdOf(stack, stack.feedback.feedbackFunction), 'Arn'] },
      Principal: 'sns.amazonaws.com',
      SourceArn: { Ref: topic },
    });
  });

  it('logs SMS events through a role only this account\'s configuration set may assume, with the actions End User Messaging documents, in place before the configuration set', () => {
    // Prepare
    const { stack, template } = synthesized;
    const role = logicalIdOf(stack, stack.delivery.node.findChild('SmsEventsRole'));
    const rolePolicy = logicalIdOf(stack, stack.delivery.node.findChild('SmsEventsRole').node.findChild('DefaultPolicy'));
    const trust = (resourcesOfType(template, 'AWS::IAM::Role')[role]?.Properties?.AssumeRolePolicyDocument as { Statement: PolicyStatementJson[] }).Statement;

    // Act
    const actions = statementsOfRole(template, role).flatMap(actionsOf).sort();

    // Assess
    expect(actions).toEqual(['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents']);
    expect(trust).toEqual([
      expect.objectContaining({
        Principal: { Service: 'sms-voice.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: {
            'aws:SourceArn': {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sms-voice:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':configuration-set/overture-dev']],
            },
          },
        },
      }),
    ]);
    template.hasResource('AWS::SMSVOICE::ConfigurationSet', { DependsOn: Match.arrayWith([rolePolicy]) });
  });

  it('gives the send function its settings and the bundled templates folder', () => {
    // Prepare
    const { stack, template } = synthesized;
    const send = resourcesOfType(template, 'AWS::Lambda::Function')[logicalIdOf(stack, stack.delivery.sendFunction)];

    // Assess
    expect((send?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      CUSTOMER_TABLE_NAME: { Ref: logicalIdOf(stack, stack.data.table) },
      FROM_EMAIL_ADDRESS: 'journeys@example.com',
      SENDER_POSTAL_ADDRESS: TEST_SENDER_POSTAL_ADDRESS,
      SES_CONFIGURATION_SET: { Ref: logicalIdOf(stack, stack.delivery.emailConfigurationSet) },
      SMS_ORIGINATION_IDENTITY: 'pool-0000000000000000000000000000dev0',
      SMS_CONFIGURATION_SET: 'overture-dev',
      SMS_BRAND: 'Overture',
      DIRECT_MAIL_QUEUE_URL: { Ref: logicalIdOf(stack, stack.delivery.directMail.queue) },
      PUBLIC_BASE_URL: 'https://preferences.example.com',
      LINK_SECRET_ID: 'overture/dev/unsubscribe-key',
      TEMPLATES_DIR: '/var/task/templates',
    });
  });

  it('keeps undeliverable letters for the print vendor in a dead-letter queue after 5 receives', () => {
    const { stack } = synthesized;
    synthesized.template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(stack, stack.delivery.directMail.deadLetters.queue), 'Arn'] }, maxReceiveCount: 5 },
    });
  });

  it('creates the link-signing secret when no existing secret is named, and refers to the named one otherwise', () => {
    // Prepare
    const named = synthesizeOverture({ context: { 'overture:unsubscribeSecretName': 'shared/link-key' } });

    // Assess
    synthesized.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'overture/dev/unsubscribe-key',
      GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
    });
    named.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });
});

describe('consent endpoints', () => {
  it('serve the consent API through a throttled HTTP API stage whose access logs hold no path or address', () => {
    // Prepare
    const { stack, template } = synthesized;

    // Act
    const stage = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Stage'))[0];
    const format = JSON.parse((stage?.Properties?.AccessLogSettings as { Format: string }).Format) as Record<string, string>;

    // Assess
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [logicalIdOf(stack, stack.consent.apiFunction), 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
    expect(stage?.Properties).toMatchObject({ StageName: '$default', AutoDeploy: true, DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 } });
    expect(Object.values(format).join(' ')).not.toMatch(/path|sourceIp|userAgent|querystring/i);
  });

  it('give the consent API the number and SMS configuration set journeys text from, so a YES to its confirmation reaches the keyword function', () => {
    // Prepare
    const { stack, template } = synthesized;
    const send = template.toJSON().Resources[logicalIdOf(stack, stack.delivery.sendFunction)].Properties.Environment.Variables as Record<string, unknown>;

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('SMS double opt-in'),
      Environment: { Variables: Match.objectLike({ SMS_ORIGINATION_IDENTITY: send.SMS_ORIGINATION_IDENTITY, SMS_CONFIGURATION_SET: send.SMS_CONFIGURATION_SET }) },
    });
  });

  it('let End User Messaging publish inbound texts to the encrypted topic the keyword function reads', () => {
    // Prepare
    const { stack, template } = synthesized;

    // Assess
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: logicalIdOf(stack, stack.consent.inboundSmsTopic) },
      Endpoint: { 'Fn::GetAtt': [logicalIdOf(stack, stack.consent.inboundSmsFunction), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish', Principal: { Service: 'sms-voice.amazonaws.com' } })]) },
    });
  });

  it('let End User Messaging publish inbound texts and use the topic key only for this account (aws:SourceAccount, aws:SourceArn)', () => {
    // Prepare: every statement that trusts the service, on the inbound topic's policy and its key
    const { stack, template } = synthesized;
    const topicRef = JSON.stringify([{ Ref: logicalIdOf(stack, stack.consent.inboundSmsTopic) }]);
    const [topicPolicy] = Object.values(resourcesOfType(template, 'AWS::SNS::TopicPolicy')).filter((policy) => JSON.stringify(policy.Properties?.Topics) === topicRef);
    const key = stack.consent.inboundSmsTopic.masterKey;
    const keyPolicy = key ? resourcesOfType(template, 'AWS::KMS::Key')[logicalIdOf(stack, key)]?.Properties?.KeyPolicy : undefined;
    const trusting = (document: unknown) =>
      ((document as { Statement?: PolicyStatementJson[] } | undefined)?.Statement ?? []).filter(
        (statement) => statement.Effect === 'Allow' && (statement.Principal as { Service?: string } | undefined)?.Service === 'sms-voice.amazonaws.com',
      );
    const sameAccountAnySmsVoice = {
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sms-voice:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':*']] } },
    };

    // Act
    const statements = [...trusting(topicPolicy?.Properties?.PolicyDocument), ...trusting(keyPolicy)];

    // Assess: another account pointing its number at the topic gets nothing through
    expect(statements).toHaveLength(2);
    for (const statement of statements) expect(statement.Condition).toEqual(sameAccountAnySmsVoice);
  });
});

describe('function timeouts', () => {
  it('give the consent API and inbound texts time for their provider calls to end on their own, within the HTTP API\'s 30 s', () => {
    // Prepare: what one provider call may take before the SDK gives up on it
    const { stack, template } = synthesized;
    const { connectionTimeout, requestTimeout } = PROVIDER_CLIENT_CONFIG.requestHandler;
    const providerCallSeconds = (connectionTimeout + requestTimeout) / 1000;
    const timeoutOf = (fn: IConstruct) => template.toJSON().Resources[logicalIdOf(stack, fn)].Properties.Timeout as number;

    // Assess: a capture may email and text a confirmation; an inbound text is answered once
    expect(timeoutOf(stack.consent.apiFunction)).toBeGreaterThan(2 * providerCallSeconds);
    expect(timeoutOf(stack.consent.apiFunction)).toBeLessThan(30);
    expect(timeoutOf(stack.consent.inboundSmsFunction)).toBeGreaterThan(providerCallSeconds);
  });
});

describe('operations', () => {
  it('let CloudWatch publish to the alarm topic, whose own policy (for SSL) replaces the default one', () => {
    // Assess: without this Allow every alarm changes state and notifies nobody
    const { stack, template } = synthesized;
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: logicalIdOf(stack, stack.operations.alarmTopic) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': Match.anyValue() }, ArnLike: { 'aws:SourceArn': Match.anyValue() } }),
          }),
        ]),
      },
    });
  });

  it('alarm when letters wait unread for two days, and keep a dead letter longer than its queue keeps a letter', () => {
    // Prepare
    const { stack, template } = synthesized;
    const { directMail } = stack.delivery;
    const retentionOf = (queue: IConstruct) => template.toJSON().Resources[logicalIdOf(stack, queue)].Properties.MessageRetentionPeriod as number;

    // Assess: a vendor that stopped polling is noticed before anything expires, and a letter
    // dead-lettered late (which expires by its first enqueue time) still waits days for an operator
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(stack, directMail.queue), 'QueueName'] } }],
      Threshold: 2 * 86_400,
      AlarmActions: [{ Ref: logicalIdOf(stack, stack.operations.alarmTopic) }],
    });
    expect(retentionOf(directMail.queue)).toBe(7 * 86_400);
    expect(retentionOf(directMail.deadLetters.queue)).toBe(14 * 86_400);
  });

  it('alarm when the SES bounce rate reaches 2% or the complaint rate 0.05%', () => {
    for (const [metricName, threshold] of [
      ['Reputation.BounceRate', SES_ALARM_THRESHOLDS.bounceRate],
      ['Reputation.ComplaintRate', SES_ALARM_THRESHOLDS.complaintRate],
    ] as const) {
      synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SES',
        MetricName: metricName,
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: logicalIdOf(synthesized.stack, synthesized.stack.operations.alarmTopic) }],
      });
    }
    expect(SES_ALARM_THRESHOLDS).toEqual({ bounceRate: 0.02, complaintRate: 0.0005 });
  });

  it('alarm when carriers filter texts as spam or block the sender, on the sms_failure metric as the feedback function emits it', () => {
    // Prepare: the EMF line Powertools writes for one failure, called as functions/feedback does
    const { stack, template } = synthesized;
    const { directive, dimensions: emitted } = emittedMetrics(() =>
      observability('feedback').metrics.singleMetric().addDimension('eventType', 'TEXT_SPAM').addMetric('sms_failure', MetricUnit.Count, 1),
    );

    // Assess
    expect(SMS_SENDER_FAILURE_ALARMS.eventTypes.map((type) => SMS_FAILURE_CLASSES[type])).toEqual(['sender', 'sender']);
    expect(emitted).toEqual([
      { Name: 'service', Value: 'feedback' },
      { Name: 'eventType', Value: 'TEXT_SPAM' },
    ]);
    for (const eventType of ['TEXT_SPAM', 'TEXT_CARRIER_BLOCKED']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: directive?.Namespace,
        MetricName: 'sms_failure',
        // A dimension set: CloudWatch ignores the order, CDK writes the names sorted.
        Dimensions: emitted
          .map((dimension) => (dimension.Name === 'eventType' ? { Name: 'eventType', Value: eventType } : dimension))
          .sort((a, b) => a.Name.localeCompare(b.Name)),
        Statistic: 'Sum',
        Period: 900,
        Threshold: 5,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: logicalIdOf(stack, stack.operations.alarmTopic) }],
      });
    }
  });

  it('alarm when the consent API withholds 20 confirmations in an hour over their destination budget, on the metrics as the function emits them', () => {
    // Prepare: the EMF lines Powertools writes when functions/consent-api counts a withheld email and text
    const { stack, template } = synthesized;
    const { directive, dimensions } = emittedMetrics(() => {
      const { metrics } = observability('consent-api');
      for (const name of CONFIRMATION_BUDGET_ALARM.metricNames) metrics.addMetric(name, MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    });
    const stat = (metricName: string) =>
      Match.objectLike({ MetricStat: { Metric: { Namespace: directive?.Namespace, MetricName: metricName, Dimensions: dimensions }, Period: 3600, Stat: 'Sum' } });

    // Assess
    expect(directive?.Metrics.map((metric) => metric.Name).sort()).toEqual([...CONFIRMATION_BUDGET_ALARM.metricNames].sort());
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([stat('confirmation_over_budget'), stat('sms_confirmation_over_budget')]),
      Threshold: 20,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: logicalIdOf(stack, stack.operations.alarmTopic) }],
    });
  });

  it('alarm when the consent API answers 5 server errors in 5 minutes, which its function reports as 500 answers, not as Lambda errors', () => {
    // Prepare
    const { stack, template } = synthesized;

    // Assess: the HTTP API's own metric (5xx, by ApiId and Stage), as a failed unsubscribe shows
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [
        { Name: 'ApiId', Value: { Ref: logicalIdOf(stack, stack.consent.api) } },
        { Name: 'Stage', Value: '$default' },
      ],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: logicalIdOf(stack, stack.operations.alarmTopic) }],
    });
  });

  it.each(SEND_OUTCOMES_OF_A_DARK_CHANNEL)(
    'alarm when the provider refuses or does not answer a channel\'s messages: %s, as the send function counts it, when 5 or more in 15 minutes and at least as many as were sent',
    (metricName) => {
      // Prepare: the EMF line Powertools writes when functions/send counts the outcome
      const { stack, template } = synthesized;
      const channel = metricName.split('_')[1];
      const { directive, dimensions } = emittedMetrics(() => {
        const { metrics } = observability('send');
        metrics.addMetric(metricName, MetricUnit.Count, 1);
        metrics.publishStoredMetrics();
      });
      const stat = (name: string) => Match.objectLike({ MetricStat: { Metric: { Namespace: directive?.Namespace, MetricName: name, Dimensions: dimensions }, Period: 900, Stat: 'Sum' } });

      // Assess: SES paused, the SMS spend limit or an outage make every step answer normally
      expect(dimensions).toEqual([{ Name: 'service', Value: 'send' }]);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: 'IF(FILL(ended, 0) >= FILL(sent, 0), FILL(ended, 0), 0)' }),
          stat(metricName),
          stat(`sent_${channel}`),
        ]),
        Threshold: 5,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: logicalIdOf(stack, stack.operations.alarmTopic) }],
      });
    },
  );

  it('alarm once, for every journey, when a send step fails after its retries, on journey_sendFailed as journeyEffects counts it across journeys', () => {
    // Prepare: the EMF line functions/journey-effects writes without the journey dimension
    const { stack, template } = synthesized;
    const { directive, dimensions } = emittedMetrics(() => observability('journey-effects').metrics.singleMetric().addMetric('journey_sendFailed', MetricUnit.Count, 1));

    // Act
    const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).filter((alarm) => alarm.Properties?.MetricName === 'journey_sendFailed');

    // Assess: one alarm, not one per journey (CloudFormation's 500 resources a stack)
    expect(alarms).toHaveLength(1);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: directive?.Namespace,
      MetricName: 'journey_sendFailed',
      Dimensions: dimensions,
      Statistic: 'Sum',
      Period: 900,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmDescription: Match.stringLikeRegexp('overture results'),
      AlarmActions: [{ Ref: logicalIdOf(stack, stack.operations.alarmTopic) }],
    });
  });

  it.each(['feedback', 'inbound SMS'] as const)(
    'alarm when the %s function falls behind: its asynchronous events wait 10 minutes in Lambda\'s queue, or one is dropped',
    (path) => {
      // Prepare
      const { stack, template } = synthesized;
      const fn = path === 'feedback' ? stack.feedback.feedbackFunction : stack.consent.inboundSmsFunction;
      const dimensions = [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(stack, fn) } }];

      // Assess: a throttled function's events wait up to 6 hours while the customer keeps being mailed or texted
      for (const [metricName, statistic, threshold] of [
        ['AsyncEventAge', 'Maximum', 600_000],
        ['AsyncEventsDropped', 'Sum', 1],
      ] as const) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda',
          MetricName: metricName,
          Dimensions: dimensions,
          Statistic: statistic,
          Period: 300,
          Threshold: threshold,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: [{ Ref: logicalIdOf(stack, stack.operations.alarmTopic) }],
        });
      }
    },
  );

  it('alarm on no recipient-side or transient SMS failure type', () => {
    // Act
    const alarmedTypes = Object.values(resourcesOfType(synthesized.template, 'AWS::CloudWatch::Alarm'))
      .filter((alarm) => alarm.Properties?.MetricName === 'sms_failure')
      .map((alarm) => (alarm.Properties?.Dimensions as Array<{ Name: string; Value: string }>).find((dimension) => dimension.Name === 'eventType')?.Value);

    // Assess
    expect(alarmedTypes.sort()).toEqual(['TEXT_CARRIER_BLOCKED', 'TEXT_SPAM']);
  });

  it('alarm on failed executions of every journey and of the launcher', () => {
    // Prepare
    const { stack, template } = synthesized;
    const machines = [...stack.journeys.machines.values()].map((machine) => machine.stateMachine).concat(stack.launcher.stateMachine);

    // Assess
    for (const machine of machines) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalIdOf(stack, machine) } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('alarm as soon as any dead-letter queue holds a message', () => {
    // Prepare
    const { template } = synthesized;
    const queuesWithAlarm = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm'))
      .filter((alarm) => alarm.Properties?.MetricName === 'ApproximateNumberOfMessagesVisible' && alarm.Properties.Threshold === 1)
      .map((alarm) => JSON.stringify(alarm.Properties?.Dimensions));

    // Act
    const deadLetterQueues = Object.entries(resourcesOfType(template, 'AWS::SQS::Queue')).filter(([, queue]) => queue.Properties?.RedrivePolicy === undefined);

    // Assess
    expect(deadLetterQueues.length).toBe(5);
    for (const [id] of deadLetterQueues) expect(queuesWithAlarm.some((dimensions) => dimensions.includes(`"${id}"`))).toBe(true);
  });

  it('give every journey its own dashboard with executions, entries, outcomes and send results by step', () => {
    // Prepare
    const { stack, template } = synthesized;

    // Act
    const names = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Dashboard')).map((dashboard) => dashboard.Properties?.DashboardName);

    // Assess
    expect(names).toEqual(expect.arrayContaining([...stack.journeys.machines.keys()].map((id) => `overture-dev-${id}`).concat('overture-dev-overview')));
    const welcome = resourcesOfType(template, 'AWS::CloudWatch::Dashboard')[logicalIdOf(stack, stack.operations.journeyDashboards.get('welcome') ?? stack)];
    const body = JSON.stringify(welcome?.Properties?.DashboardBody);
    for (const text of ['ExecutionsStarted', 'entries_started', 'journey_goal', 'send step finished', 'filter journey = \\\\\\"welcome\\\\\\"', 'stats count(*) as steps by step, outcome, channel, reason']) {
      expect(body).toContain(text);
    }
  });

  it('show on the overview how many messages wait for a send slot, per channel, as the send function counts them', () => {
    // Prepare
    const { stack, template } = synthesized;

    // Act
    const overview = resourcesOfType(template, 'AWS::CloudWatch::Dashboard')[logicalIdOf(stack, stack.operations.overview)];
    const body = JSON.stringify(overview?.Properties?.DashboardBody);

    // Assess: functions/send counts rate_limited_<channel> under its service 'send'
    for (const channel of ['email', 'sms']) expect(body).toContain(`[\\"Overture\\",\\"rate_limited_${channel}\\",\\"service\\",\\"send\\"`);
  });

  it('show on the overview the messages each channel\'s provider refused or did not answer, and the send steps failed across journeys', () => {
    // Prepare
    const { stack, template } = synthesized;

    // Act
    const overview = resourcesOfType(template, 'AWS::CloudWatch::Dashboard')[logicalIdOf(stack, stack.operations.overview)];
    const body = JSON.stringify(overview?.Properties?.DashboardBody);

    // Assess
    for (const metricName of SEND_OUTCOMES_OF_A_DARK_CHANNEL) expect(body).toContain(`[\\"Overture\\",\\"${metricName}\\",\\"service\\",\\"send\\"`);
    expect(body).toContain('[\\"Overture\\",\\"journey_sendFailed\\",\\"service\\",\\"journey-effects\\"');
  });
});

describe('configuration', () => {
  it('fails synth for an SMS origination identity IAM cannot name, naming the context key', () => {
    expect(() => synthesizeOverture({ context: { 'overture:smsOriginationIdentity': '+12125550143' } })).toThrow(/context "overture:smsOriginationIdentity": must be a phone number id/);
  });

  it('fails synth for a log retention CloudWatch does not offer', () => {
    expect(() => synthesizeOverture({ context: { 'overture:logRetentionDays': '45' } })).toThrow(/context "overture:logRetentionDays": must be one of 1, 3, 5/);
  });

  it('synthesizes 40 journeys, and each function that routes them rebuilds from its environment exactly the ARNs the starters may start', () => {
    // Prepare: thirty-five more journeys, as a marketing team adds them (the catalog's shapes, each
    // event entry with a condition of its own, so the routes do not merely repeat each other)
    const journeys = distinctJourneys(40);

    // Act
    const { stack, template } = synthesizeOverture({ journeys });

    // Assess: every route, with the ARN its StartExecution grant names once CloudFormation resolves both
    const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    const types = Object.fromEntries(Object.entries(resources).map(([id, resource]) => [id, resource.Type]));
    const names = Object.fromEntries(
      Object.entries(resources)
        .filter(([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine')
        .map(([id, resource]) => [id, `arn:aws:states:us-east-1:111122223333:stateMachine:${String(resource.Properties.StateMachineName)}`]),
    );
    const machineArns = journeys.map((journey) => names[logicalIdOf(stack, stack.journeys.machine(journey.id).stateMachine)]);
    // The inactivity scan starts none itself: it hands audiences to the launcher.
    const routed = [
      { fn: stack.events.ingestFunction, schema: IngestEnvironmentSchema, starts: true },
      { fn: stack.launcher.launchFunction, schema: LaunchEnvironmentSchema, starts: true },
      { fn: stack.schedules.inactivityScanFunction, schema: InactivityScanEnvironmentSchema, starts: false },
    ];
    for (const { fn, schema, starts } of routed) {
      const id = logicalIdOf(stack, fn);
      const variables = (resources[id]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      const resolved = Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, resolveWithNames(value, names, types)]));
      const routes = readEnvironment(schema, { ...resolved, DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/dead-letters' }).JOURNEY_ROUTES;
      const granted = statementsOfRole(template, roleOfFunction(template, id))
        .filter((statement) => actionsOf(statement).includes('states:StartExecution'))
        .flatMap(resourcesOf)
        .map((resource) => resolveWithNames(resource, names, types));
      expect(routes.map((route) => route.journey)).toEqual(journeys.map((journey) => journey.id));
      expect(routes.map((route) => route.stateMachineArn)).toEqual(machineArns);
      if (starts) expect(granted.sort()).toEqual([...machineArns].sort());
    }
  });

  it('fails synth when a function\'s environment would pass Lambda\'s 4 KB once deployed, naming the function and the size', () => {
    // Prepare: fifty journeys whose entries each test a long campaign code of their own, so that
    // their routes alone take more than 4 KB, deflated, without their ARNs
    const journeys = distinctJourneys(50, 160);

    // Act
    const synthesizeMany = () => synthesizeOverture({ journeys });

    // Assess: `cdk deploy` would fail on the function; synth says which, and by how much
    expect(synthesizeMany).toThrow(/function Overture-test\/\S+ would take about \d{4} bytes once deployed, over Lambda's limit of 4096 \(largest: JOURNEY_ROUTES \d{4}/);
  });

  it('estimates every function\'s environment at no less than it takes deployed, and within 4 KB for the catalog', () => {
    // Prepare: the template's environments resolved as in eu-central-1, the state machines by their names
    const { stack, template } = synthesized;
    const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    const types = typesOf();
    const names = Object.fromEntries(
      Object.entries(resources)
        .filter(([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine')
        .map(([id, resource]) => [id, `arn:aws:states:eu-central-1:123456789012:stateMachine:${String(resource.Properties.StateMachineName)}`]),
    );
    const deployedBytes = (variables: Record<string, unknown>) =>
      Object.entries(variables).reduce((sum, [name, value]) => sum + name.length + resolveWithNames(value, names, types).length, 0);

    // Act
    const functions = stack.node.findAll().filter((node): node is OvertureFunction => node instanceof OvertureFunction);
    const compared = functions.map((fn) => {
      const variables = (resources[logicalIdOf(stack, fn)]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      const estimated = estimateEnvironmentSize(fn.node.defaultChild as CfnFunction).reduce((sum, variable) => sum + variable.bytes, 0);
      return { fn: fn.node.path, estimated, deployed: deployedBytes(variables) };
    });

    // Assess
    for (const { estimated, deployed } of compared) {
      expect(estimated).toBeGreaterThanOrEqual(deployed);
      expect(estimated).toBeLessThanOrEqual(LAMBDA_ENVIRONMENT_LIMIT_BYTES);
    }
  });
});

/** The catalog's journeys repeated under new ids (`welcome-v2`…) up to `count`, as a growing catalog. */
function catalogLike(count: number): Journey[] {
  const copies = Array.from({ length: Math.ceil(count / CATALOG.length) - 1 }, () => CATALOG).flat();
  return [...CATALOG, ...copies.map((journey, index) => ({ ...journey, id: `${journey.id}-v${index + 2}` }))].slice(0, count);
}

/**
 * {@link catalogLike}, with each copy's event entry also taking a condition of its own (a campaign
 * code of `campaignLength` hex digits no other journey has): the routes travel deflated, and
 * copies that only differ in their ids would take almost nothing, unlike journeys a team writes.
 */
function distinctJourneys(count: number, campaignLength = 16): Journey[] {
  return catalogLike(count).map((journey, index) => {
    const { trigger } = journey.entry;
    if (index < CATALOG.length || trigger.kind !== 'event') return journey;
    const code = Array.from({ length: Math.ceil(campaignLength / 64) }, (_, part) => createHash('sha256').update(`${index}/${part}`).digest('hex')).join('');
    const campaign = { kind: 'attribute' as const, attribute: 'campaign', op: 'equals' as const, value: code.slice(0, campaignLength) };
    return { ...journey, entry: { ...journey.entry, trigger: { ...trigger, when: [...(trigger.when ?? []), campaign] } } };
  });
}

/** A template value with each state machine's ARN as `names` gives it, other references as resolveIntrinsics does. */
function resolveWithNames(value: unknown, names: Record<string, string>, types: Record<string, string>): string {
  if (typeof value === 'string') return value;
  const intrinsic = value as { 'Fn::Join'?: [string, unknown[]]; Ref?: string };
  if (intrinsic['Fn::Join']) return intrinsic['Fn::Join'][1].map((part) => resolveWithNames(part, names, types)).join(intrinsic['Fn::Join'][0]);
  if (intrinsic.Ref && names[intrinsic.Ref]) return names[intrinsic.Ref] as string;
  return resolveIntrinsics(value, types);
}
