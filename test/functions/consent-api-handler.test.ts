/**
 * The consent-api Lambda as deployed: middy, Powertools, the environment read once, the link keys
 * from Secrets Manager (mocked: no emulator exists), DynamoDB on dynalite and SES v2 on
 * aws-ses-v2-local behind a fault proxy, served over HTTP by the Node adapter.
 *
 * The link secret holds a rotated key set: links from messages signed years ago with a retired key
 * must still unsubscribe, and nothing else; a key added to the secret must verify in a running
 * container within LINK_KEYS_MAX_AGE_MS; a provider's refusal of the double opt-in email or text
 * must neither fail the capture nor put the address or number in the logs. End User Messaging SMS
 * has no emulator: a stand-in endpoint answers SendTextMessage.
 */
import { inspect } from 'node:util';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { serveApiGatewayHandler, type ApiGatewayV2Handler, type LocalApiServer } from '../../lib/consent-api';
import { LINK_KEYS_MAX_AGE_MS } from '../../lib/runtime/link-secret';
import { CustomerStore } from '../../lib/store';
import { signToken, type TokenPurpose } from '../../lib/unsubscribe';
import { captureBody, postJson } from '../consent-api/harness';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { useLambdaEnvironment } from '../support/lambda-environment';
import { startSesLocal, type SesLocal } from '../support/ses-local';
import { startStandInAws, type StandInAws } from '../support/stand-in-aws';
import { aProfile, newCustomerId, partitionItems } from '../store/fixtures';

const DAY_MS = 86_400_000;
const KEYS = {
  current: 'current-link-key-of-the-third-rotation-000000',
  previous: 'previous-link-key-of-the-second-rotation-0000',
  retired: 'retired-link-key-of-the-first-rotation-000000',
};

const secrets = mockClient(SecretsManagerClient);
let dynamo: DynaliteHarness;
let ses: SesLocal;
let sesProxy: FaultProxy;
/** End User Messaging SMS has no emulator: the stand-in answers SendTextMessage. */
let standIn: StandInAws;
let store: CustomerStore;
let tableName: string;
let server: LocalApiServer;
let restoreEnvironment: () => void;

beforeAll(async () => {
  [dynamo, ses, standIn] = await Promise.all([startDynalite(), startSesLocal(), startStandInAws({})]);
  sesProxy = await startFaultProxy(ses.endpoint);
  tableName = await createCustomerTable(dynamo.client, 'consent-api-handler');
  store = new CustomerStore({ client: dynamo.client, tableName });
  restoreEnvironment = useLambdaEnvironment({
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SESV2: sesProxy.endpoint,
    CUSTOMER_TABLE_NAME: tableName,
    PUBLIC_BASE_URL: 'https://preferences.example.com',
    LINK_SECRET_ID: 'overture/test/unsubscribe-key',
    FROM_EMAIL_ADDRESS: 'hello@example.com',
    SES_CONFIGURATION_SET: 'overture-test',
    AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: standIn.endpoint,
    SMS_ORIGINATION_IDENTITY: 'pool-test',
    SMS_CONFIGURATION_SET: 'overture-test-sms',
    RATE_LIMIT_BURST: '1000',
    // The logs are what one test reads.
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  secrets.on(GetSecretValueCommand, { SecretId: 'overture/test/unsubscribe-key' }).resolves({
    SecretString: JSON.stringify({ current: KEYS.current, previous: [KEYS.previous], retired: [KEYS.retired] }),
  });
  const { handler } = await import('../../functions/consent-api/index');
  server = await serveApiGatewayHandler(handler as unknown as ApiGatewayV2Handler);
});

afterAll(async () => {
  await server.close();
  await Promise.all([sesProxy.stop(), ses.stop(), dynamo.stop(), standIn.stop()]);
  restoreEnvironment();
});

/** A customer with email marketing granted. */
async function subscribedCustomer(label: string): Promise<string> {
  const customerId = newCustomerId(label);
  await store.putProfile(aProfile(customerId, { updatedAt: '2024-01-01T10:00:00Z' }));
  await store.recordConsent(customerId, { channel: 'email', topic: 'marketing', status: 'granted', at: '2024-01-01T10:00:00Z', proof: { source: 'import' } });
  return customerId;
}

/** A link token as a message sent `daysAgo` days ago carried it, signed with `key`. */
function linkToken(customerId: string, purpose: TokenPurpose, key: string, daysAgo: number): string {
  return signToken({ customerId, channel: 'email', topic: 'marketing', purpose }, key, {
    now: new Date(Date.now() - daysAgo * DAY_MS),
    ttlSeconds: 180 * 86_400,
  });
}

/** The RFC 8058 one-click POST a mailbox provider makes. */
function oneClick(token: string): Promise<Response> {
  return fetch(`${server.url}/unsubscribe?token=${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
}

async function emailMarketingStatus(customerId: string): Promise<string | undefined> {
  const snapshot = await store.requireSnapshot(customerId);
  return snapshot.consents.find((consent) => consent.channel === 'email' && consent.topic === 'marketing')?.status;
}

describe('one-click unsubscribe from old messages', () => {
  it('revokes with the link of a message sent 181 days ago, past the link\'s signed expiry', async () => {
    // Prepare
    const customerId = await subscribedCustomer('old-link');
    // Act
    const response = await oneClick(linkToken(customerId, 'unsubscribe', KEYS.current, 181));
    // Assess
    expect(response.status).toBe(200);
    expect(await emailMarketingStatus(customerId)).toBe('revoked');
  });

  it('revokes with a link signed two years ago by a key retired two rotations since', async () => {
    // Prepare
    const customerId = await subscribedCustomer('retired-key');
    // Act
    const response = await oneClick(linkToken(customerId, 'unsubscribe', KEYS.retired, 730));
    // Assess
    expect(response.status).toBe(200);
    expect(await emailMarketingStatus(customerId)).toBe('revoked');
  });

  it('refuses a preference-centre link signed by a retired key, and changes nothing', async () => {
    // Prepare
    const customerId = await subscribedCustomer('retired-preferences');
    const token = linkToken(customerId, 'preferences', KEYS.retired, 10);
    const before = await partitionItems(dynamo.client, tableName, customerId);
    // Act
    const page = await fetch(`${server.url}/preferences?token=${token}`);
    // Assess
    expect(page.status).toBe(400);
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual(before);
  });

  it('opens the preference centre from a link signed by the previous key during the overlap', async () => {
    // Prepare
    const customerId = await subscribedCustomer('previous-preferences');
    // Act
    const page = await fetch(`${server.url}/preferences?token=${linkToken(customerId, 'preferences', KEYS.previous, 10)}`);
    // Assess
    expect(page.status).toBe(200);
  });

  it('still lets a preference-centre link expire after 180 days', async () => {
    // Prepare
    const customerId = await subscribedCustomer('expired-preferences');
    // Act
    const page = await fetch(`${server.url}/preferences?token=${linkToken(customerId, 'preferences', KEYS.current, 181)}`);
    // Assess
    expect(page.status).toBe(410);
  });
});

/** Every line the function writes while `act` runs. */
async function linesWrittenDuring(act: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const record = (chunk: unknown): boolean => {
    lines.push(chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk));
    return true;
  };
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(record);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(record);
  // As console prints them: errors with their cause chains.
  const printed = (...args: unknown[]): void => void lines.push(args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 10 }))).join(' '));
  const warn = jest.spyOn(console, 'warn').mockImplementation(printed);
  const error = jest.spyOn(console, 'error').mockImplementation(printed);
  try {
    await act();
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    warn.mockRestore();
    error.mockRestore();
  }
  return lines.join('\n');
}

describe('a provider refusing the double opt-in email', () => {
  it('records the capture as pending, answers 202, and logs the rejection by code and request id without the address', async () => {
    // Prepare: SES in the sandbox refuses an unverified recipient, quoting the address.
    const customerId = newCustomerId('rejected');
    const address = 'victim.person@example.org';
    sesProxy.inject('reject-unverified-recipient');
    let response: Response | undefined;
    // Act
    const logged = await linesWrittenDuring(async () => {
      response = await postJson(`${server.url}/consents`, captureBody(customerId, { email: address, channels: ['email'] }));
    });
    // Assess
    expect(response?.status).toBe(202);
    expect(await response?.json()).toEqual({ status: 'accepted', pendingConfirmation: ['email'] });
    expect(await emailMarketingStatus(customerId)).toBe('pending');
    expect(logged).toContain('confirmation email not sent');
    expect(logged).toContain('MessageRejected');
    expect(logged).toContain('rejected-request-1');
    expect(logged).toContain(customerId);
    expect(logged).not.toContain(address);
  });

  it('sends the confirmation when the same capture is made again', async () => {
    // Prepare
    const customerId = newCustomerId('resent');
    const address = 'second.try@example.org';
    sesProxy.inject('reject-unverified-recipient');
    await linesWrittenDuring(async () => {
      await postJson(`${server.url}/consents`, captureBody(customerId, { email: address, channels: ['email'] }));
    });
    await ses.clear();
    // Act
    const again = await postJson(`${server.url}/consents`, captureBody(customerId, { email: address, channels: ['email'] }));
    // Assess
    expect(again.status).toBe(202);
    expect((await ses.messages()).map((email) => email.destination.to)).toEqual([[address]]);
    expect(await emailMarketingStatus(customerId)).toBe('pending');
  });
});

describe('an address or number over its confirmation budget', () => {
  it('answers a fourth capture naming one address and number within the day as the first, sends nothing, and logs it apart from provider failures, by customer id only', async () => {
    // Prepare: three captures under new ids spend the budgets.
    const address = 'bombed.person@example.org';
    const phone = '+12125550189';
    for (let index = 0; index < 3; index += 1) await postJson(`${server.url}/consents`, captureBody(newCustomerId('spender'), { email: address, phone }));
    await ses.clear();
    const textsBefore = standIn.texts.length;
    const customerId = newCustomerId('over-budget');
    let response: Response | undefined;
    // Act
    const logged = await linesWrittenDuring(async () => {
      response = await postJson(`${server.url}/consents`, captureBody(customerId, { email: address, phone }));
    });
    // Assess
    expect(response?.status).toBe(202);
    expect(await response?.json()).toEqual({ status: 'accepted', pendingConfirmation: ['email', 'sms'] });
    expect(await ses.messages()).toEqual([]);
    expect(standIn.texts.slice(textsBefore)).toEqual([]);
    expect(logged).toContain('confirmation email not sent (over its destination budget)');
    expect(logged).toContain('confirmation text not sent (over its destination budget)');
    expect(logged).toContain('ConfirmationBudgetExceededError');
    expect(logged).toContain(customerId);
    expect(logged).not.toContain(address);
    expect(logged).not.toContain(phone.slice(2));
  });
});

describe('a provider refusing the SMS double opt-in text', () => {
  it('records the capture as pending, answers 202, sends nothing, and logs the refusal by code without the number', async () => {
    // Prepare
    const customerId = newCustomerId('sms-throttled');
    const phone = '+12125550187';
    standIn.throttle(phone);
    let response: Response | undefined;
    // Act
    const logged = await linesWrittenDuring(async () => {
      response = await postJson(`${server.url}/consents`, captureBody(customerId, { phone, channels: ['sms'], email: undefined }));
    });
    // Assess
    expect(response?.status).toBe(202);
    expect(await response?.json()).toEqual({ status: 'accepted', pendingConfirmation: ['sms'] });
    const snapshot = await store.requireSnapshot(customerId);
    expect(snapshot.consents.map(({ channel, status }) => `${channel}:${status}`)).toEqual(['sms:pending']);
    expect(standIn.texts.filter((text) => text.input.DestinationPhoneNumber === phone)).toEqual([]);
    expect(logged).toContain('confirmation text not sent');
    expect(logged).toContain('ThrottlingException');
    expect(logged).toContain(customerId);
    expect(logged).not.toContain(phone);
  });

  it('texts the confirmation through End User Messaging as a transactional message', async () => {
    // Prepare
    const customerId = newCustomerId('sms-sent');
    const phone = '+12125550188';
    // Act
    const response = await postJson(`${server.url}/consents`, captureBody(customerId, { phone, channels: ['sms'], email: undefined }));
    // Assess
    expect(response.status).toBe(202);
    expect(standIn.texts.filter((text) => text.input.DestinationPhoneNumber === phone).map((text) => text.input)).toEqual([
      expect.objectContaining({ OriginationIdentity: 'pool-test', ConfigurationSetName: 'overture-test-sms', MessageType: 'TRANSACTIONAL' }),
    ]);
  });
});

describe('a rotation of the link key', () => {
  const NEW_KEY = 'new-link-key-of-the-fourth-rotation-00000000';
  const rotatedOnce = JSON.stringify({ current: KEYS.current, previous: [NEW_KEY, KEYS.previous], retired: [KEYS.retired] });

  afterEach(() => {
    jest.restoreAllMocks();
    secrets.on(GetSecretValueCommand, { SecretId: 'overture/test/unsubscribe-key' }).resolves({
      SecretString: JSON.stringify({ current: KEYS.current, previous: [KEYS.previous], retired: [KEYS.retired] }),
    });
  });

  it('reaches a warm container within LINK_KEYS_MAX_AGE_MS: a link the new key signs unsubscribes there', async () => {
    // Prepare: the container runs with the keys it read; then the new key is written as a previous one.
    const customerId = await subscribedCustomer('rotation');
    // A send container started since signs with the new key.
    const token = linkToken(customerId, 'unsubscribe', NEW_KEY, 0);
    expect((await oneClick(token)).status).toBe(400);
    secrets.on(GetSecretValueCommand, { SecretId: 'overture/test/unsubscribe-key' }).resolves({ SecretString: rotatedOnce });
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + LINK_KEYS_MAX_AGE_MS);

    // Act
    const response = await oneClick(token);

    // Assess
    expect(response.status).toBe(200);
    expect(await emailMarketingStatus(customerId)).toBe('revoked');
  });
});
