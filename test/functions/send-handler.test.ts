/**
 * The send Lambda as deployed: middy, Powertools, the environment read once, the secret from
 * Secrets Manager (mocked: no emulator exists) and DynamoDB and SES reached through the SDK's
 * ordinary endpoint variables, pointing at dynalite and aws-ses-v2-local.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { Context } from 'aws-lambda';
import { CustomerStore } from '../../lib/store';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { startSesLocal, type SesLocal } from '../support/ses-local';
import { stdoutOfAsync } from '../support/stdout';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

const secrets = mockClient(SecretsManagerClient);
let dynamo: DynaliteHarness;
let ses: SesLocal;
let store: CustomerStore;
let handler: (event: unknown, context: Context) => Promise<unknown>;

const context = {
  functionName: 'overture-send',
  awsRequestId: 'request-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:overture-send',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

beforeAll(async () => {
  [dynamo, ses] = await Promise.all([startDynalite(), startSesLocal()]);
  const tableName = await createCustomerTable(dynamo.client, 'send-handler');
  store = new CustomerStore({ client: dynamo.client, tableName });
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SESV2: ses.endpoint,
    CUSTOMER_TABLE_NAME: tableName,
    FROM_EMAIL_ADDRESS: 'journeys@example.com',
    SENDER_POSTAL_ADDRESS: TEST_SENDER_POSTAL_ADDRESS,
    SES_CONFIGURATION_SET: 'overture-test',
    SMS_ORIGINATION_IDENTITY: 'pool-test',
    SMS_CONFIGURATION_SET: 'overture-test',
    DIRECT_MAIL_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/direct-mail',
    PUBLIC_BASE_URL: 'https://preferences.example.com',
    LINK_SECRET_ID: 'overture/test/unsubscribe-key',
    TEMPLATES_DIR: 'workflows/templates',
    POWERTOOLS_METRICS_DISABLED: 'true',
    // INFO: the per-journey dashboards read the send function's "send step finished" lines.
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  secrets.on(GetSecretValueCommand, { SecretId: 'overture/test/unsubscribe-key' }).resolves({
    SecretString: 'handler-test-link-signing-secret-0123456789',
  });
  ({ handler } = await import('../../functions/send/index'));
});

afterAll(async () => {
  await Promise.all([dynamo.stop(), ses.stop()]);
});

it('sends the welcome email for a consenting customer and answers with ids and codes only', async () => {
  // Prepare
  await store.putProfile({
    customerId: 'h-1',
    stage: 'prospect',
    timezone: 'UTC',
    email: 'h1@example.com',
    updatedAt: '2026-03-01T00:00:00Z',
  });
  await store.recordConsent('h-1', {
    channel: 'email',
    topic: 'marketing',
    status: 'granted',
    at: '2026-03-01T00:00:00Z',
    proof: { source: 'web-form' },
  });
  const payload = {
    customerId: 'h-1',
    journey: 'welcome',
    step: 'welcome-email',
    execution: 'welcome-h-1-signed_up-1',
    templateId: 'welcome',
    topic: 'marketing',
    channels: ['email'],
  };

  // Act
  const { result, written } = await stdoutOfAsync(() => handler(payload, context));

  // Assess
  expect(result).toEqual({ outcome: 'sent', channel: 'email' });
  expect((await ses.messages()).map((email) => email.destination.to)).toEqual([['h1@example.com']]);
  expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  // The fields the journey dashboard's query counts by (lib/constructs/operations.ts), ids and codes only.
  const finished = written.split('\n').filter((line) => line.includes('"send step finished"'));
  expect(finished.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
    expect.objectContaining({ journey: 'welcome', step: 'welcome-email', execution: 'welcome-h-1-signed_up-1', customerId: 'h-1', outcome: 'sent', channel: 'email' }),
  ]);
  expect(finished.join('\n')).not.toContain('h1@example.com');
});

it('rejects a payload that carries personal data instead of ids, naming the field', async () => {
  await expect(
    handler({ customerId: 'ana@example.com', journey: 'welcome', step: 's', execution: 'e', templateId: 'welcome', topic: 'marketing', channels: ['email'] }, context),
  ).rejects.toThrow(/customerId/);
});
