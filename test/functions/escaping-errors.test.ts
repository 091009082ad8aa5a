/**
 * What a Lambda function lets out when its work fails: ids and codes, never an address, a number
 * or a text, whoever wrote the error.
 *
 * What a handler throws is written out whole by others: the Lambda runtime logs its name, message,
 * stack and enumerable fields, Step Functions keeps name, message and stack as the Task's `Cause`
 * in the execution history, and an asynchronous invocation's dead-letter message carries the
 * message. Provider and SDK messages quote what they refuse. Here each of the nine Lambda entries
 * (functions/*) runs as deployed (module-level clients, environment read once) against the local
 * emulators, with a fault proxy in front that answers one request with an AWS error quoting an
 * address and a phone number: DynamoDB for every function, SES v2 for the send function's email,
 * Secrets Manager (the stand-in) for the consent API's link keys. What escapes and what the
 * function's logger writes must hold neither, and the escaping error keeps the name Step Functions'
 * Retry and Catch match; the names the synthesized ASL matches are checked the same way.
 */
import { inspect } from 'node:util';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { classifyProviderError } from '../../lib/channels/errors';
import { localLambdaContext } from '../../lib/consent-api';
import { journeyRoutesVariable, routesOf } from '../../lib/ingest/journey-routes';
import { observability, observedHandler } from '../../lib/runtime/observability';
import { DeliveryContentionError } from '../../lib/delivery/deliver-message';
import { CustomerNotFoundError } from '../../lib/journeys/effects';
import { CustomerStore, CustomerStoreError, StoreContentionError } from '../../lib/store';
import { CATALOG } from '../../workflows';
import { synthesizeOverture } from '../cdk/synthesize';
import { stateMachineDefinitions } from '../cdk/template-queries';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { startFaultProxy, type AwsErrorAnswer, type FaultProxy } from '../support/fault-proxy';
import { inboundSmsEvent } from '../support/inbound-sms';
import { useLambdaEnvironment } from '../support/lambda-environment';
import { startSesLocal, type SesLocal } from '../support/ses-local';
import { startStandInAws, type StandInAws } from '../support/stand-in-aws';
import { outputOfFailure } from '../support/stdout';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

const ADDRESS = 'victim.person@example.org';
const PHONE = '+12125550123';
/** What DynamoDB, SES or Secrets Manager might say about a request that held personal data. */
const quoting = (status: number, errorType: string): AwsErrorAnswer => ({
  status,
  errorType,
  message: `One or more parameter values were invalid: ${ADDRESS}, ${PHONE}, 1 Main Street`,
});
/**
 * The same answer to the next requests: a function's first failing request fails it, whatever a
 * previous invocation's requests still in flight (a parallel scan segment) take first.
 */
const refusing = (proxy: () => FaultProxy, status: number, errorType: string) => () => proxy().inject(...Array.from({ length: 8 }, () => quoting(status, errorType)));
const LINK_SECRET_ID = 'overture/escaping-errors/link-key';
const arnOf = (journey: string) => `arn:aws:states:us-east-1:111122223333:stateMachine:${journey}`;

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

let dynamo: DynaliteHarness;
let dynamoProxy: FaultProxy;
let ses: SesLocal;
let sesProxy: FaultProxy;
let standIn: StandInAws;
let secretsProxy: FaultProxy;
let store: CustomerStore;
let restoreEnvironment: () => void;

beforeAll(async () => {
  [dynamo, ses, standIn] = await Promise.all([
    startDynalite(),
    startSesLocal(),
    startStandInAws({ [LINK_SECRET_ID]: 'escaping-errors-link-signing-secret-0123456789' }),
  ]);
  [dynamoProxy, sesProxy, secretsProxy] = await Promise.all([startFaultProxy(dynamo.endpoint), startFaultProxy(ses.endpoint), startFaultProxy(standIn.endpoint)]);
  const tableName = await createCustomerTable(dynamo.client, 'escaping-errors');
  store = new CustomerStore({ client: dynamo.client, tableName });
  restoreEnvironment = useLambdaEnvironment({
    AWS_ENDPOINT_URL_DYNAMODB: dynamoProxy.endpoint,
    AWS_ENDPOINT_URL_SESV2: sesProxy.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsProxy.endpoint,
    AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: standIn.endpoint,
    CUSTOMER_TABLE_NAME: tableName,
    JOURNEY_ROUTES: journeyRoutesVariable(routesOf(CATALOG, arnOf)),
    JOURNEY_STATE_MACHINE_ARN_PREFIX: arnOf(''),
    DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/dead-letters',
    AUDIENCE_BUCKET_NAME: 'overture-audiences',
    LAUNCHER_STATE_MACHINE_ARN: arnOf('launcher'),
    FROM_EMAIL_ADDRESS: 'journeys@example.com',
    SENDER_POSTAL_ADDRESS: TEST_SENDER_POSTAL_ADDRESS,
    SES_CONFIGURATION_SET: 'overture-test',
    SMS_ORIGINATION_IDENTITY: 'pool-test',
    SMS_CONFIGURATION_SET: 'overture-test-sms',
    DIRECT_MAIL_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/direct-mail',
    PUBLIC_BASE_URL: 'https://preferences.example.com',
    TEMPLATES_DIR: 'workflows/templates',
    LINK_SECRET_ID,
    // What the logger writes is read here.
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
});
afterAll(async () => {
  restoreEnvironment();
  await Promise.all([dynamoProxy.stop(), sesProxy.stop(), secretsProxy.stop()]);
  await Promise.all([dynamo.stop(), ses.stop(), standIn.stop()]);
});

/** A send step's payload, as the compiled Task hands it over. */
const sendPayload = (customerId: string) => ({
  customerId,
  journey: 'welcome',
  step: 'welcome-email',
  execution: `welcome-${customerId}-signup-1`,
  templateId: 'welcome',
  topic: 'marketing',
  channels: ['email'],
});

/** A customer the send function will email at once. */
async function emailable(customerId: string): Promise<void> {
  await store.putProfile({ customerId, stage: 'prospect', timezone: 'UTC', email: `${customerId}@example.com`, updatedAt: '2026-03-01T00:00:00Z' });
  await store.recordConsent(customerId, { channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-01T00:00:00Z', proof: { source: 'web-form' } });
}

/** One way to make a function fail: its entry, the event, the fault and the name Step Functions or Lambda sees. */
interface FailingInvocation {
  readonly entry: () => Promise<{ handler: unknown }>;
  readonly prepare?: () => Promise<void>;
  readonly fault: () => void;
  readonly event: unknown;
  readonly name: string;
}

const FAILING_INVOCATIONS: Record<string, FailingInvocation> = {
  'send (DynamoDB refuses the read)': {
    entry: () => import('../../functions/send/index'),
    fault: refusing(() => dynamoProxy, 400, 'ValidationException'),
    event: sendPayload('esc-send-1'),
    name: 'CustomerStoreError',
  },
  'send (SES throttles the email)': {
    entry: () => import('../../functions/send/index'),
    prepare: () => emailable('esc-send-2'),
    fault: refusing(() => sesProxy, 429, 'TooManyRequestsException'),
    event: sendPayload('esc-send-2'),
    name: 'ProviderThrottledError',
  },
  ingest: {
    entry: () => import('../../functions/ingest/index'),
    fault: refusing(() => dynamoProxy, 400, 'ValidationException'),
    event: {
      id: 'eb-1',
      'detail-type': 'signed_up',
      source: 'web',
      time: '2026-03-02T10:00:00Z',
      detail: { customerId: 'esc-ingest', eventId: 'signup-1', profile: { timezone: 'UTC', email: ADDRESS, phone: PHONE } },
    },
    name: 'CustomerStoreError',
  },
  feedback: {
    entry: () => import('../../functions/feedback/index'),
    fault: refusing(() => dynamoProxy, 400, 'ValidationException'),
    event: {
      version: '0',
      id: 'f1',
      'detail-type': 'Email Bounced',
      source: 'aws.ses',
      time: '2026-03-06T00:00:05Z',
      detail: {
        eventType: 'Bounce',
        bounce: { bounceType: 'Permanent', bounceSubType: 'General', timestamp: '2026-03-06T00:00:04Z' },
        mail: { messageId: 'ses-msg-1', timestamp: '2026-03-06T00:00:00Z', tags: { 'ses:configuration-set': ['overture-test'], customer_id: ['esc-feedback'], topic: ['marketing'] } },
      },
    },
    name: 'CustomerStoreError',
  },
  'journey-effects': {
    entry: () => import('../../functions/journey-effects/index'),
    fault: refusing(() => dynamoProxy, 400, 'ValidationException'),
    event: { customerId: 'esc-effects', journey: 'welcome', step: 'done', execution: 'welcome-esc-effects-signup-1', action: 'exit' },
    name: 'ValidationException',
  },
  'journey-effects (the customer is gone: erased)': {
    entry: () => import('../../functions/journey-effects/index'),
    fault: () => undefined,
    event: {
      customerId: 'esc-erased',
      journey: 'active-cross-sell',
      step: 'what-fits',
      execution: 'active-cross-sell-esc-erased-order-1',
      action: 'branch',
      rules: [[{ kind: 'stage', in: ['active'] }]],
    },
    name: 'CustomerNotFoundError',
  },
  launcher: {
    entry: () => import('../../functions/launcher/index'),
    fault: refusing(() => dynamoProxy, 400, 'ValidationException'),
    event: { BatchInput: { journey: 'welcome', launchId: 'launch-1', launchedAt: '2026-03-02T09:00:00Z' }, Items: [{ customerId: 'esc-launch' }] },
    name: 'ValidationException',
  },
  'inactivity-scan': {
    entry: () => import('../../functions/launcher/inactivity-scan'),
    fault: refusing(() => dynamoProxy, 400, 'ValidationException'),
    event: {},
    name: 'ValidationException',
  },
  'sms-inbound': {
    entry: () => import('../../functions/sms-inbound/index'),
    fault: refusing(() => dynamoProxy, 400, 'ValidationException'),
    event: inboundSmsEvent(PHONE, 'STOP'),
    name: 'CustomerStoreError',
  },
  'wait-for-event': {
    entry: () => import('../../functions/wait-for-event/index'),
    fault: refusing(() => dynamoProxy, 400, 'ValidationException'),
    event: {
      customerId: 'esc-wait',
      journey: 'welcome',
      step: 'first-order',
      execution: 'welcome-esc-wait-signup-1',
      event: 'order_placed',
      taskToken: 'token-esc-wait',
      timeoutSeconds: 604800,
      waitStartedAt: '2026-03-02T10:00:00.000Z',
    },
    name: 'ValidationException',
  },
  'consent-api (the link keys cannot be read)': {
    entry: () => import('../../functions/consent-api/index'),
    fault: refusing(() => secretsProxy, 400, 'AccessDeniedException'),
    event: {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/preferences',
      rawQueryString: '',
      headers: {},
      isBase64Encoded: false,
      requestContext: { http: { method: 'GET', path: '/preferences', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' } },
    } as unknown as APIGatewayProxyEventV2,
    name: 'AccessDeniedException',
  },
};

/** Runs `act`, answering what it threw and every line written meanwhile. */
async function failureOf(act: () => Promise<unknown>): Promise<{ thrown: unknown; logged: readonly string[] }> {
  const { thrown, written } = await outputOfFailure(act);
  return { thrown, logged: written };
}

/**
 * Everything that may be written out about an escaping error: the Lambda runtime's record of it
 * (name, message, stack, enumerable fields) and, as a logger printing it whole would, its causes.
 */
function writtenOut(error: unknown): string {
  const fields = error instanceof Error ? { errorType: error.name, errorMessage: error.message, stack: error.stack, ...error } : { error };
  return `${JSON.stringify(fields)}\n${inspect(error, { depth: 10 })}`;
}

describe.each(Object.entries(FAILING_INVOCATIONS))('%s', (_label, invocation) => {
  afterEach(() => [dynamoProxy, sesProxy, secretsProxy].forEach((proxy) => proxy.clear()));

  it('fails with the error name Step Functions and Lambda see, and neither its escaping error nor its logs quote the address or the number', async () => {
    // Prepare
    const { handler } = (await invocation.entry()) as { handler: LambdaHandler };
    await invocation.prepare?.();
    invocation.fault();

    // Act
    const { thrown, logged } = await failureOf(() => handler(invocation.event, localLambdaContext('escaping-errors')));

    // Assess
    const written = [writtenOut(thrown), ...logged].join('\n');
    expect(written).not.toContain(ADDRESS);
    expect(written).not.toContain(PHONE);
    expect(written).not.toContain('1 Main Street');
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).name).toBe(invocation.name);
    expect((thrown as Error).cause).toBeUndefined();
    // The logger's lines are JSON; Powertools Metrics also warns in plain text.
    const logLines = logged.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logLines).toContainEqual(
      expect.objectContaining({ level: 'ERROR', message: 'invocation failed', error: expect.objectContaining({ name: invocation.name }) }),
    );
  });
});

/**
 * An error of each name a journey's Retry or Catch matches by name, as its adapter raises it from
 * a provider's answer that quotes personal data.
 */
const RAISED_AS: Record<string, () => Error> = {
  ProviderThrottledError: () =>
    classifyProviderError(Object.assign(new Error(`Maximum sending rate exceeded for ${ADDRESS} ${PHONE}`), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } }), 'ses'),
  ProviderUnavailableError: () =>
    classifyProviderError(Object.assign(new Error(`getaddrinfo ENOTFOUND ${ADDRESS} ${PHONE}`), { code: 'ENOTFOUND' }), 'sms'),
  // The store wraps every AWS error of the table in its own, keeping the AWS one as the cause.
  CustomerStoreError: () =>
    new CustomerStoreError('read the decision snapshot of customer c-1 failed', {
      cause: Object.assign(new Error(`Throughput exceeded for ${ADDRESS} ${PHONE}`), { name: 'ProvisionedThroughputExceededException' }),
    }),
  StoreContentionError: () =>
    new StoreContentionError('set attributes of customer c-1: contended', { cause: Object.assign(new Error(`Conditional check failed on ${ADDRESS}`), { name: 'ConditionalCheckFailedException' }) }),
  // A step that reads the customer's records finds them erased; its Catch ends the journey.
  CustomerNotFoundError: () => new CustomerNotFoundError('c-1'),
  DeliveryContentionError: () => new DeliveryContentionError('send welcome-c-1-e/welcome-email of customer c-1: the customer\'s cap or permissions kept changing under 8 attempts'),
};

/** Every ErrorEquals of a definition, Map iterations included. */
function errorNamesOf(value: unknown, names: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) value.forEach((item) => errorNamesOf(item, names));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, field] of Object.entries(value)) {
      if (key === 'ErrorEquals' && Array.isArray(field)) field.forEach((name) => names.add(String(name)));
      else errorNamesOf(field, names);
    }
  }
  return names;
}

describe('the error names the synthesized state machines match', () => {
  it('all still come out of a function, each without the provider message or its cause', async () => {
    // Prepare: the names Step Functions (States.*) and the Lambda service (Lambda.*) raise are not ours.
    const { template } = synthesizeOverture();
    const matched = new Set([...stateMachineDefinitions(template).values()].flatMap((definition) => [...errorNamesOf(definition)]));
    const ours = [...matched].filter((name) => !name.startsWith('States.') && !name.startsWith('Lambda.')).sort();
    const tools = observability('escaping-errors');

    // Assess
    expect(ours).toEqual(Object.keys(RAISED_AS).sort());
    for (const [name, raise] of Object.entries(RAISED_AS)) {
      const raised = raise();
      expect(raised.name).toBe(name);
      const { thrown } = await failureOf(() => observedHandler(tools, () => Promise.reject(raised))({}, localLambdaContext('escaping-errors')));
      expect(writtenOut(thrown)).not.toContain(ADDRESS);
      expect(writtenOut(thrown)).not.toContain(PHONE);
      expect((thrown as Error).name).toBe(name);
    }
  });
});
