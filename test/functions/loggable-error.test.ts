/**
 * What the functions log about an error: ids, names, codes, HTTP status and request ids, never a
 * provider's words. The SES error comes from the real SDK client talking to the SES v2 emulator
 * through a proxy that answers as the SES sandbox does for an unverified recipient.
 */
import { inspect } from 'node:util';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SesEmailSender } from '../../lib/channels/email';
import { PROVIDER_CLIENT_CONFIG } from '../../lib/channels/port';
import { serveApiGatewayHandler } from '../../lib/consent-api';
import { loggableError } from '../../lib/runtime/loggable-error';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { startSesLocal, type SesLocal } from '../support/ses-local';

const ADDRESS = 'victim.person@example.org';
let ses: SesLocal;
let proxy: FaultProxy;
let sender: SesEmailSender;

beforeAll(async () => {
  ses = await startSesLocal();
  proxy = await startFaultProxy(ses.endpoint);
  const client = new SESv2Client({ ...PROVIDER_CLIENT_CONFIG, endpoint: proxy.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  sender = new SesEmailSender(client, { fromEmailAddress: 'hello@example.com', configurationSetName: 'overture-test' });
});

afterAll(async () => {
  await proxy.stop();
  await ses.stop();
});

/** The error SES's sandbox answer becomes in the email adapter. */
async function sandboxRejection(): Promise<unknown> {
  proxy.inject('reject-unverified-recipient');
  return sender
    .send({
      to: ADDRESS,
      customerId: 'c-42',
      journey: 'consent',
      step: 'double-opt-in',
      topic: 'transactional',
      content: { subject: 'Please confirm', html: '<p>Confirm</p>', text: 'Confirm' },
    })
    .then(
      () => undefined,
      (error: unknown) => error,
    );
}

it('keeps our message, the provider code, HTTP status and request id of a rejection, and drops the SDK message quoting the address', async () => {
  // Prepare
  const error = await sandboxRejection();
  expect(JSON.stringify((error as Error).cause, Object.getOwnPropertyNames((error as Error).cause))).toContain(ADDRESS);
  // Act
  const logged = loggableError(error);
  // Assess
  expect(logged).toMatchObject({
    name: 'ProviderRejectedError',
    message: 'ses: rejected the message (MessageRejected, HTTP 400)',
    code: 'MessageRejected',
    provider: 'ses',
    httpStatusCode: 400,
    requestId: 'rejected-request-1',
    cause: { name: 'MessageRejected', code: 'MessageRejected', httpStatusCode: 400, requestId: 'rejected-request-1', fault: 'client' },
  });
  expect(logged.cause).not.toHaveProperty('message');
  expect(JSON.stringify(logged)).not.toContain(ADDRESS);
});

it('logs a DynamoDB error by code and request id, without its message or the item it returns', () => {
  // Prepare
  const error = new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: { httpStatusCode: 400, requestId: 'ddb-request-1' },
    Item: { email: { S: ADDRESS } },
  });
  // Act
  const logged = loggableError(new Error('profile write failed', { cause: error }));
  // Assess
  expect(logged.cause).toEqual({ name: 'ConditionalCheckFailedException', code: 'ConditionalCheckFailedException', httpStatusCode: 400, requestId: 'ddb-request-1', fault: 'client' });
  expect(JSON.stringify(logged)).not.toContain(ADDRESS);
});

it('the consent API on one machine logs an escaped provider error without the address', async () => {
  // Prepare: a handler the rejection escapes, served with the adapter's default error log.
  const error = await sandboxRejection();
  const printed: unknown[][] = [];
  const consoleError = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void printed.push(args));
  const server = await serveApiGatewayHandler(() => Promise.reject(error));
  try {
    // Act
    const response = await fetch(`${server.url}/consents`, { method: 'POST', body: '{}' });
    // Assess
    expect(response.status).toBe(500);
  } finally {
    consoleError.mockRestore();
    await server.close();
  }
  // As console.error prints them: errors with their cause chains.
  const text = printed.map((args) => args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 10 }))).join(' ')).join('\n');
  expect(text).toContain('MessageRejected');
  expect(text).not.toContain(ADDRESS);
});
