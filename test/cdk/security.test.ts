import { scheduledAudienceKey } from '../../lib/constructs/scheduled-triggers';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import {
  actionsOf,
  logicalIdOf,
  resourcesOf,
  resolveIntrinsics,
  resourcesOfType,
  roleOfFunction,
  statementsOfRole,
  type PolicyStatementJson,
  type TemplateResource,
} from './template-queries';
import { LAPSE_INDEX_NAME } from '../../lib/store/table-design';
import { CATALOG } from '../../workflows';
import { synthesizeOverture, type SynthesizedOverture } from './synthesize';

const prodContext = {
  'overture:environment': 'prod',
  'overture:fromAddress': 'hello@mail.example.com',
  'overture:sendingIdentity': 'mail.example.com',
  'overture:smsOriginationIdentity': 'pool-0123456789abcdef0123456789abcdef',
  'overture:smsBrand': 'Example',
  'overture:publicBaseUrl': 'https://preferences.example.com',
};

let synthesized: SynthesizedOverture;
beforeAll(() => {
  synthesized = synthesizeOverture({ context: prodContext });
});

/** Every statement of every role of the stack (functions, state machines, service roles). */
function allRoleStatements(): { role: string; statement: PolicyStatementJson }[] {
  const { template } = synthesized;
  return Object.keys(resourcesOfType(template, 'AWS::IAM::Role')).flatMap((role) =>
    statementsOfRole(template, role).map((statement) => ({ role, statement })),
  );
}

/** The statements of the role a function runs as. */
function functionStatements(fn: Parameters<typeof logicalIdOf>[1]): PolicyStatementJson[] {
  const { stack, template } = synthesized;
  return statementsOfRole(template, roleOfFunction(template, logicalIdOf(stack, fn)));
}

/** Actions that IAM cannot scope to a resource, the only ones allowed on Resource "*". */
const RESOURCE_LESS_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);

describe('least privilege', () => {
  it('grants no role a wildcard action', () => {
    // Act
    const wildcards = allRoleStatements().flatMap(({ role, statement }) =>
      actionsOf(statement)
        .filter((action) => action.includes('*'))
        .map((action) => `${role}: ${action}`),
    );

    // Assess
    expect(allRoleStatements().length).toBeGreaterThan(50);
    expect(wildcards).toEqual([]);
  });

  it('allows Resource "*" only for actions IAM cannot scope (X-Ray, log delivery)', () => {
    // Act
    const unscoped = allRoleStatements()
      .filter(({ statement }) => resourcesOf(statement).includes('*'))
      .flatMap(({ role, statement }) => actionsOf(statement).filter((action) => !RESOURCE_LESS_ACTIONS.has(action)).map((action) => `${role}: ${action}`));

    // Assess
    expect(unscoped).toEqual([]);
  });

  it('lets the send function send email only through the configured identity and configuration set, from the configured address', () => {
    // Act
    const statements = functionStatements(synthesized.stack.delivery.sendFunction).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('ses:')),
    );

    // Assess
    const { stack } = synthesized;
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'ses:SendEmail',
        Condition: { StringEquals: { 'ses:FromAddress': 'hello@mail.example.com' } },
        Resource: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':identity/mail.example.com']] },
          {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':configuration-set/', { Ref: logicalIdOf(stack, stack.delivery.emailConfigurationSet) }],
            ],
          },
        ],
      },
    ]);
  });

  it.each([
    ['send function', (stack: SynthesizedOverture['stack']) => stack.delivery.sendFunction],
    ['consent API (the SMS double opt-in text)', (stack: SynthesizedOverture['stack']) => stack.consent.apiFunction],
  ])('lets the %s text only from the configured origination identity and configuration set', (_name, fnOf) => {
    // Act
    const statements = functionStatements(fnOf(synthesized.stack)).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('sms-voice:')),
    );

    // Assess
    const { stack } = synthesized;
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'sms-voice:SendTextMessage',
        Resource: [
          {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':sms-voice:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':pool/pool-0123456789abcdef0123456789abcdef'],
            ],
          },
          { 'Fn::GetAtt': [logicalIdOf(stack, stack.delivery.smsConfigurationSet), 'Arn'] },
        ],
      },
    ]);
  });

  it('lets only End User Messaging publish to the SMS feedback topic, for this account\'s configuration set, and use its key for that alone', () => {
    // Prepare
    const { stack, template } = synthesized;
    const topic = logicalIdOf(stack, stack.delivery.smsFeedbackTopic);
    const keyId = (resourcesOfType(template, 'AWS::SNS::Topic')[topic]?.Properties?.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const arnIn = (suffix: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sms-voice:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, suffix]],
    });
    const sameAccount = { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } };

    // Act
    const topicStatements = Object.values(resourcesOfType(template, 'AWS::SNS::TopicPolicy'))
      .filter((policy) => JSON.stringify(policy.Properties?.Topics) === JSON.stringify([{ Ref: topic }]))
      .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement)
      .filter((statement) => statement.Effect === 'Allow');
    const keyStatements = (resourcesOfType(template, 'AWS::KMS::Key')[keyId]?.Properties?.KeyPolicy as { Statement: PolicyStatementJson[] }).Statement.filter(
      (statement) => JSON.stringify(statement.Principal) !== JSON.stringify({ AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] } }),
    );

    // Assess
    expect(topicStatements).toEqual([
      {
        Sid: expect.any(String),
        Effect: 'Allow',
        Principal: { Service: 'sms-voice.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: topic },
        Condition: { StringEquals: sameAccount, ArnLike: { 'aws:SourceArn': arnIn(':configuration-set/overture-prod') } },
      },
    ]);
    expect(keyStatements).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'sms-voice.amazonaws.com' },
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: '*',
        Condition: { StringEquals: sameAccount, ArnLike: { 'aws:SourceArn': arnIn(':*') } },
      },
    ]);
  });

  it('lets the send function send messages to the direct-mail queue and to no other queue', () => {
    // Act
    const statements = functionStatements(synthesized.stack.delivery.sendFunction).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('sqs:')),
    );

    // Assess
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [logicalIdOf(synthesized.stack, synthesized.stack.delivery.directMail.queue), 'Arn'] } },
    ]);
  });

  it('gives every function exactly the actions its work needs', () => {
    // Prepare
    const { stack } = synthesized;
    const base = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
    const readWrite = ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'];
    const secret = ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'];
    const expected = new Map<Parameters<typeof logicalIdOf>[1], string[]>([
      [stack.delivery.sendFunction, [...base, ...readWrite, 'dynamodb:ConditionCheckItem', ...secret, 'ses:SendEmail', 'sms-voice:SendTextMessage', 'sqs:SendMessage']],
      [stack.journeys.waitForEventFunction, [...base, 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'states:SendTaskSuccess']],
      [stack.journeys.journeyEffectsFunction, [...base, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']],
      [stack.events.ingestFunction, [...base, ...readWrite, 'dynamodb:ConditionCheckItem', 'sqs:SendMessage', 'states:DescribeExecution', 'states:SendTaskSuccess', 'states:StartExecution']],
      [stack.launcher.launchFunction, [...base, 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'states:DescribeExecution', 'states:StartExecution']],
      [stack.schedules.inactivityScanFunction, [...base, 'dynamodb:Query', 's3:PutObject', 'sqs:SendMessage', 'states:StartExecution']],
      [stack.feedback.feedbackFunction, [...base, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'sqs:SendMessage']],
      [stack.consent.apiFunction, [...base, 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem', ...secret, 'ses:SendEmail', 'sms-voice:SendTextMessage', 'states:SendTaskSuccess']],
      [stack.consent.inboundSmsFunction, [...base, ...readWrite, 'sms-voice:SendTextMessage', 'sqs:SendMessage']],
    ]);

    // Act
    const granted = [...expected.keys()].map((fn) => [...new Set(functionStatements(fn).flatMap(actionsOf))].sort());

    // Assess
    expect(granted).toEqual([...expected.values()].map((actions) => [...new Set(actions)].sort()));
    expect(resourcesOfType(synthesized.template, 'AWS::Lambda::Function')).toEqual(
      Object.fromEntries([...expected.keys()].map((fn) => [logicalIdOf(stack, fn), expect.anything()])),
    );
  });

  it('lets the launch worker Query a customer\'s state only in a stack with a journey whose entry test reads every attribute', () => {
    // Prepare: loyalty, entered only by a customer seen in store lately (touchpointWithin reads any attribute)
    const loyalty = CATALOG.find((journey) => journey.id === 'loyalty');
    if (loyalty === undefined || loyalty.entry.trigger.kind !== 'event') throw new Error('the catalog has no event-entered loyalty journey');
    const inStore = { ...loyalty, entry: { ...loyalty.entry, trigger: { ...loyalty.entry.trigger, when: [{ kind: 'touchpointWithin' as const, touchpoints: ['store' as const], days: 30 }] } } };
    const other = synthesizeOverture({ journeys: CATALOG.map((journey) => (journey.id === 'loyalty' ? inStore : journey)) });
    const launchActions = (of: SynthesizedOverture) => statementsOfRole(of.template, roleOfFunction(of.template, logicalIdOf(of.stack, of.stack.launcher.launchFunction))).flatMap(actionsOf);

    // Act / Assess: the catalog's entry tests read named items only (BatchGetItem)
    expect(launchActions(synthesized)).not.toContain('dynamodb:Query');
    expect(launchActions(other)).toContain('dynamodb:Query');
  });

  it('scopes customer-table access to the table\'s items, and the inactivity scan to a Query of the lapse index', () => {
    // Prepare
    const { stack } = synthesized;
    const tableArn = { 'Fn::GetAtt': [logicalIdOf(stack, stack.data.table), 'Arn'] };
    const dynamoStatements = (fn: Parameters<typeof logicalIdOf>[1]) =>
      functionStatements(fn).filter((statement) => actionsOf(statement).some((action) => action.startsWith('dynamodb:')));

    // Act
    const scan = dynamoStatements(stack.schedules.inactivityScanFunction);
    const others = [stack.delivery.sendFunction, stack.events.ingestFunction, stack.journeys.journeyEffectsFunction, stack.consent.apiFunction].flatMap(dynamoStatements);

    // Assess
    expect(scan).toEqual([{ Effect: 'Allow', Action: 'dynamodb:Query', Resource: { 'Fn::Join': ['', [tableArn, `/index/${LAPSE_INDEX_NAME}`]] } }]);
    expect(others.length).toBeGreaterThan(0);
    others.forEach((statement) => expect(resourcesOf(statement)).toEqual([tableArn]));
  });

  it('lets the ingest function start, describe and resume journey executions only', () => {
    // Act
    const statements = functionStatements(synthesized.stack.events.ingestFunction).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('states:')),
    );

    // Assess
    const machineIds = [...synthesized.stack.journeys.machines.values()].map((machine) => logicalIdOf(synthesized.stack, machine.stateMachine));
    const machines = machineIds.map((id) => ({ Ref: id }));
    const executions = machineIds.map((id) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':execution:', { 'Fn::GetAtt': [id, 'Name'] }, ':*']],
    }));
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: machines },
      { Effect: 'Allow', Action: 'states:DescribeExecution', Resource: executions },
      { Effect: 'Allow', Action: 'states:SendTaskSuccess', Resource: machines },
    ]);
  });

  it('lets the waitForEvent function return task tokens to the journey state machines only', () => {
    // Prepare
    const { stack, template } = synthesized;
    const types = Object.fromEntries(Object.entries(template.toJSON().Resources as Record<string, { Type: string }>).map(([id, resource]) => [id, resource.Type]));
    const machineArns = [...stack.journeys.machines.values()].map((machine) => {
      const name = resourcesOfType(template, 'AWS::StepFunctions::StateMachine')[logicalIdOf(stack, machine.stateMachine)]?.Properties?.StateMachineName;
      return `arn:aws:states:us-east-1:111122223333:stateMachine:${String(name)}`;
    });

    // Act
    const statements = functionStatements(stack.journeys.waitForEventFunction).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('states:')),
    );

    // Assess: by ARNs built from the machines' names (a reference would close a dependency cycle).
    expect(statements.map((statement) => ({ ...statement, Resource: resourcesOf(statement).map((arn) => resolveIntrinsics(arn, types)) }))).toEqual([
      { Effect: 'Allow', Action: 'states:SendTaskSuccess', Resource: machineArns },
    ]);
    expect(machineArns).toHaveLength(CATALOG.length);
  });

  it("lets the launcher read audience files and write launch results under launch-results/ only, with no KMS action (the bucket's encryption is SSE-S3)", () => {
    // Prepare
    const { stack, template } = synthesized;
    const machine = resourcesOfType(template, 'AWS::StepFunctions::StateMachine')[logicalIdOf(stack, stack.launcher.stateMachine)];
    const role = (machine?.Properties?.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const bucket = logicalIdOf(stack, stack.launcher.bucket);

    // Act
    const statements = statementsOfRole(template, role).filter((statement) => actionsOf(statement).some((action) => action.startsWith('s3:') || action.startsWith('kms:')));

    // Assess: the ResultWriter's actions (multipart uploads) on the results folder, as the Step
    // Functions guide lists them; the ItemReader's GetObject on the audience files.
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/launch-results/*']] },
      },
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: bucket }, '/*']] },
      },
    ]);
    // The results live as the audience files do: encrypted, access-logged, and expired with them.
    expect(resourcesOfType(template, 'AWS::S3::Bucket')[bucket]?.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalIdOf(stack, stack.launcher.accessLogs) }, LogFilePrefix: 'audiences/' },
    });
  });

  it('expires each launch\'s files and results, never a scheduled journey\'s audience file, which serves every run', () => {
    // Prepare
    const { stack, template } = synthesized;
    const bucket = logicalIdOf(stack, stack.launcher.bucket);
    const rules = (resourcesOfType(template, 'AWS::S3::Bucket')[bucket]?.Properties?.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> }).Rules;
    const expiring = rules.filter((rule) => rule.ExpirationInDays !== undefined);

    // Assess: an expiry without a prefix would delete scheduled/<journey>.csv 90 days after its
    // last upload, and every scheduled run after would fail on the missing key
    expect(expiring.map((rule) => [rule.Prefix, rule.ExpirationInDays])).toEqual([
      ['launches/', 90],
      ['inactivity/', 90],
      ['launch-results/', 90],
    ]);
    expect(expiring.every((rule) => typeof rule.Prefix === 'string' && !scheduledAudienceKey('loyalty').startsWith(rule.Prefix))).toBe(true);
    expect(rules).toContainEqual(expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 7 } }));
  });

  it('removes the parts of uploads that never completed from the audience and access-log buckets after a day', () => {
    // Prepare: an interrupted upload's parts are listed by no `aws s3 ls` and expire by no age
    const { stack, template } = synthesized;
    const rulesOf = (bucket: IConstruct) =>
      (resourcesOfType(template, 'AWS::S3::Bucket')[logicalIdOf(stack, bucket)]?.Properties?.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> }).Rules;

    // Assess: audience CSVs hold whatever columns a marketer exported
    for (const bucket of [stack.launcher.bucket, stack.launcher.accessLogs]) {
      expect(rulesOf(bucket)).toContainEqual(expect.objectContaining({ Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }));
    }
  });
});

describe('data protection', () => {
  it('logs the SMS failures only, never a delivered text, and keeps them 30 days: each record holds the number texted', () => {
    // Prepare: End User Messaging's event records carry destinationPhoneNumber
    const { stack, template } = synthesized;
    const destinations = Object.values(resourcesOfType(template, 'AWS::SMSVOICE::ConfigurationSet')).flatMap(
      (set) => set.Properties?.EventDestinations as Array<{ MatchingEventTypes: string[]; CloudWatchLogsDestination?: { LogGroupArn: unknown } }>,
    );

    // Act
    const logged = destinations.filter((destination) => destination.CloudWatchLogsDestination !== undefined);

    // Assess: in prod, where every other log is kept a year
    const smsEvents = logicalIdOf(stack, stack.delivery.node.findChild('SmsEvents'));
    expect(logged).toHaveLength(1);
    expect(logged[0]?.MatchingEventTypes).not.toContain('TEXT_DELIVERED');
    expect(logged[0]?.MatchingEventTypes).toEqual(expect.arrayContaining(['TEXT_BLOCKED', 'TEXT_SPAM', 'TEXT_UNREACHABLE']));
    expect(logged[0]?.CloudWatchLogsDestination?.LogGroupArn).toEqual({ 'Fn::GetAtt': [smsEvents, 'Arn'] });
    expect(resourcesOfType(template, 'AWS::Logs::LogGroup')[smsEvents]?.Properties?.RetentionInDays).toBe(30);
  });

  it('gives every table point-in-time recovery and encryption at rest', () => {
    // Act
    const tables = Object.values(resourcesOfType(synthesized.template, 'AWS::DynamoDB::GlobalTable'));

    // Assess
    expect(tables.length).toBeGreaterThan(0);
    expect(resourcesOfType(synthesized.template, 'AWS::DynamoDB::Table')).toEqual({});
    for (const table of tables) {
      expect(table.Properties).toMatchObject({
        SSESpecification: { SSEEnabled: true },
        Replicas: [expect.objectContaining({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
      });
    }
  });

  it('encrypts every queue at rest and refuses non-TLS access to it', () => {
    // Act
    const queues = resourcesOfType(synthesized.template, 'AWS::SQS::Queue');
    const policies = Object.values(resourcesOfType(synthesized.template, 'AWS::SQS::QueuePolicy'));

    // Assess
    for (const [id, queue] of Object.entries(queues)) {
      expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true });
      const denies = policies.filter((policy) => JSON.stringify(policy.Properties?.Queues).includes(`"${id}"`)).flatMap((policy) =>
        (policy.Properties?.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement.filter(
          (statement) => statement.Effect === 'Deny' && JSON.stringify(statement.Condition) === '{"Bool":{"aws:SecureTransport":"false"}}',
        ),
      );
      expect({ id, denies: denies.length }).toEqual({ id, denies: 1 });
    }
  });

  it('encrypts every bucket, blocks public access and refuses non-TLS access', () => {
    // Act
    const buckets = resourcesOfType(synthesized.template, 'AWS::S3::Bucket');
    const policies = Object.values(resourcesOfType(synthesized.template, 'AWS::S3::BucketPolicy'));

    // Assess
    expect(Object.keys(buckets)).toHaveLength(2);
    for (const [id, bucket] of Object.entries(buckets)) {
      expect(bucket.Properties).toMatchObject({
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      });
      const policy = policies.find((candidate) => JSON.stringify(candidate.Properties?.Bucket).includes(`"${id}"`));
      expect(JSON.stringify(policy?.Properties?.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('encrypts every topic with a rotating customer managed key', () => {
    // Act
    const topics = Object.values(resourcesOfType(synthesized.template, 'AWS::SNS::Topic'));
    const keys = Object.values(resourcesOfType(synthesized.template, 'AWS::KMS::Key'));

    // Assess
    expect(topics).toHaveLength(3);
    for (const topic of topics) expect(topic.Properties?.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    for (const key of keys) expect(key.Properties?.EnableKeyRotation).toBe(true);
  });
});

describe('dead-letter queues', () => {
  /** Logical ids of the queues some asynchronous path dead-letters into. */
  function deadLetterQueueIds(): Set<string> {
    const { template } = synthesized;
    const targets: unknown[] = [
      ...Object.values(resourcesOfType(template, 'AWS::SQS::Queue')).map((queue) => (queue.Properties?.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn),
      ...Object.values(resourcesOfType(template, 'AWS::Lambda::Function')).map((fn) => (fn.Properties?.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn),
      ...Object.values(resourcesOfType(template, 'AWS::Events::Rule')).flatMap((rule) =>
        ((rule.Properties?.Targets ?? []) as { DeadLetterConfig?: { Arn?: unknown } }[]).map((target) => target.DeadLetterConfig?.Arn),
      ),
      ...Object.values(resourcesOfType(template, 'AWS::Scheduler::Schedule')).map(
        (schedule) => (schedule.Properties?.Target as { DeadLetterConfig?: { Arn?: unknown } }).DeadLetterConfig?.Arn,
      ),
      ...Object.values(resourcesOfType(template, 'AWS::SNS::Subscription')).map(
        (subscription) => (subscription.Properties?.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn,
      ),
    ];
    return new Set(targets.filter((target) => target !== undefined).map((target) => (target as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]));
  }

  it('gives every queue a dead-letter queue, or makes it one', () => {
    // Prepare
    const deadLetterQueues = deadLetterQueueIds();

    // Act
    const orphans = Object.entries(resourcesOfType(synthesized.template, 'AWS::SQS::Queue'))
      .filter(([id, queue]) => queue.Properties?.RedrivePolicy === undefined && !deadLetterQueues.has(id))
      .map(([id]) => id);

    // Assess
    expect(orphans).toEqual([]);
  });

  it('dead-letters every asynchronous path: rule targets, schedules, subscriptions and the functions they invoke', () => {
    // Prepare
    const { template } = synthesized;
    const ruleTargets = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).flatMap(
      (rule) => (rule.Properties?.Targets ?? []) as { Arn: { 'Fn::GetAtt': [string, string] }; DeadLetterConfig?: unknown; RetryPolicy?: unknown }[],
    );
    const scheduleTargets = Object.values(resourcesOfType(template, 'AWS::Scheduler::Schedule')).map(
      (schedule) => schedule.Properties?.Target as { Arn: unknown; DeadLetterConfig?: unknown; RetryPolicy?: unknown },
    );
    const subscriptions = Object.values(resourcesOfType(template, 'AWS::SNS::Subscription'));
    const asyncFunctions = [
      ...ruleTargets.map((target) => target.Arn['Fn::GetAtt'][0]),
      ...scheduleTargets.map((target) => JSON.stringify(target.Arn)).flatMap((arn) => Object.keys(resourcesOfType(template, 'AWS::Lambda::Function')).filter((id) => arn.includes(`"${id}"`))),
      ...subscriptions.map((subscription) => (subscription.Properties?.Endpoint as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]),
    ];

    // Assess
    expect(ruleTargets).toHaveLength(2);
    expect(scheduleTargets.length).toBeGreaterThanOrEqual(1);
    expect(subscriptions).toHaveLength(2);
    for (const target of [...ruleTargets, ...scheduleTargets]) expect(target).toMatchObject({ DeadLetterConfig: { Arn: expect.anything() }, RetryPolicy: expect.anything() });
    for (const subscription of subscriptions) expect(subscription.Properties?.RedrivePolicy).toEqual({ deadLetterTargetArn: expect.anything() });
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    expect(asyncFunctions.length).toBeGreaterThanOrEqual(4);
    for (const id of asyncFunctions) expect({ id, dlq: functions[id]?.Properties?.DeadLetterConfig }).toEqual({ id, dlq: { TargetArn: expect.anything() } });
  });
});

describe('functions', () => {
  it('run Node 22 on ARM64 with X-Ray tracing, their own log group and a Powertools service name', () => {
    // Act
    const functions = Object.entries(resourcesOfType(synthesized.template, 'AWS::Lambda::Function'));

    // Assess
    expect(functions).toHaveLength(9);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
        Environment: { Variables: expect.objectContaining({ POWERTOOLS_SERVICE_NAME: expect.any(String), NODE_OPTIONS: '--enable-source-maps' }) },
      });
    }
  });

  it('keep their logs for the configured time (a year in prod)', () => {
    // Act: all but the SMS events, which hold phone numbers (data protection)
    const smsEvents = logicalIdOf(synthesized.stack, synthesized.stack.delivery.node.findChild('SmsEvents'));
    const logGroups = Object.entries(resourcesOfType(synthesized.template, 'AWS::Logs::LogGroup'))
      .filter(([id]) => id !== smsEvents)
      .map(([, group]) => group as TemplateResource);

    // Assess
    expect(logGroups.length).toBeGreaterThanOrEqual(9);
    for (const group of logGroups) expect(group.Properties?.RetentionInDays).toBe(365);
  });

  it('use their own role with no managed policy', () => {
    synthesized.template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });
});
