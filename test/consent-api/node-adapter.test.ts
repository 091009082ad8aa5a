import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SesEmailSender } from '../../lib/channels/email';
import { LocalSmsOutbox } from '../../lib/channels/sms-outbox';
import { createConsentApiHandler, localLambdaContext, serveApiGatewayHandler, type LocalApiServer } from '../../lib/consent-api';
import { CustomerStore } from '../../lib/store';
import { signToken } from '../../lib/unsubscribe';

let server: LocalApiServer;
let seen: APIGatewayProxyEventV2[] = [];
let answer: APIGatewayProxyResultV2 = { statusCode: 204 };

beforeAll(async () => {
  server = await serveApiGatewayHandler(async (event) => {
    seen.push(event);
    return answer;
  }, { maxBodyBytes: 1024 });
});

afterAll(() => server.close());

beforeEach(() => {
  seen = [];
  answer = { statusCode: 204 };
});

describe('the Node adapter', () => {
  it('turns a request into the payload-2.0 event API Gateway would send', async () => {
    // Act
    await fetch(`${server.url}/unsubscribe?token=a.b&tag=x&tag=y`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Mail/1', cookie: 'a=1; b=2' },
      body: 'List-Unsubscribe=One-Click',
    });
    // Assess
    const [event] = seen;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/unsubscribe',
      rawQueryString: 'token=a.b&tag=x&tag=y',
      cookies: ['a=1', 'b=2'],
      queryStringParameters: { token: 'a.b', tag: 'x,y' },
      body: 'List-Unsubscribe=One-Click',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/unsubscribe', sourceIp: '127.0.0.1', userAgent: 'Mail/1' }, stage: '$default' },
    });
    expect(event?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(event?.headers.cookie).toBeUndefined();
  });

  it('passes a binary body base64-encoded, as API Gateway does', async () => {
    // Act
    await fetch(`${server.url}/upload`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array([0, 255, 1]) });
    // Assess
    expect(seen[0]).toMatchObject({ isBase64Encoded: true, body: Buffer.from([0, 255, 1]).toString('base64') });
  });

  it('writes the structured result: status, headers, cookies and a base64 body decoded', async () => {
    // Prepare
    answer = { statusCode: 201, headers: { 'x-thing': 'yes' }, cookies: ['s=1'], body: Buffer.from('hello').toString('base64'), isBase64Encoded: true };
    // Act
    const response = await fetch(`${server.url}/`);
    // Assess
    expect(response.status).toBe(201);
    expect(response.headers.get('x-thing')).toBe('yes');
    expect(response.headers.get('set-cookie')).toBe('s=1');
    expect(await response.text()).toBe('hello');
  });

  it('answers a bare object result with 200 JSON, as API Gateway does', async () => {
    // Prepare
    answer = { ok: true } as unknown as APIGatewayProxyResultV2;
    // Act
    const response = await fetch(`${server.url}/`);
    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('refuses a body over the limit with 413 without calling the handler', async () => {
    // Act
    const response = await fetch(`${server.url}/consents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(2048) });
    // Assess
    expect(response.status).toBe(413);
    expect(seen).toEqual([]);
  });
});

describe('unexpected errors in the consent API', () => {
  it('answer 500 without details and reach the error log, while client errors do not', async () => {
    // Prepare: a store whose DynamoDB endpoint refuses connections (the discard port on loopback).
    const client = new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    const logged: unknown[] = [];
    const secret = 'node-adapter-test-secret-0123456789abcdef';
    const now = new Date('2026-03-02T09:00:00Z');
    const ses = new SESv2Client({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    const handler = createConsentApiHandler(
      {
        store: new CustomerStore({ client, tableName: 'customers' }),
        phoneIndex: { client, tableName: 'customers' },
        email: new SesEmailSender(ses, { fromEmailAddress: 'hello@example.com', configurationSetName: 'cs' }),
        sms: new LocalSmsOutbox({ originationIdentity: '+12125550000', configurationSetName: 'cs' }),
        links: { baseUrl: 'http://127.0.0.1', secret },
        now: () => now,
      },
      { rateLimit: false, logError: (error) => logged.push(error) },
    );
    const api = await serveApiGatewayHandler(handler);
    const token = signToken({ customerId: 'c-hidden-id', channel: 'email', topic: 'marketing', purpose: 'preferences' }, secret, { now, ttlSeconds: 3600 });
    try {
      // Act
      const failed = await fetch(`${api.url}/preferences?token=${token}`);
      const missing = await fetch(`${api.url}/no-such-route`);
      // Assess
      expect(failed.status).toBe(500);
      expect(await failed.text()).not.toContain('c-hidden-id');
      expect(missing.status).toBe(404);
      expect(logged).toHaveLength(1);
    } finally {
      await api.close();
      client.destroy();
      ses.destroy();
    }
  });
});

describe("the consent API's early timeout", () => {
  /** The preference centre of a customer whose snapshot takes 30 ms to read, in a Lambda with 6 ms left (a 1 ms early timeout). */
  async function openSlowPreferenceCentre(options: { timeoutEarly?: boolean }): Promise<APIGatewayProxyResultV2> {
    const secret = 'node-adapter-test-secret-0123456789abcdef';
    const now = new Date('2026-03-02T09:00:00Z');
    const slowStore = { getSnapshot: () => new Promise((resolve) => setTimeout(() => resolve(undefined), 30)) } as unknown as CustomerStore;
    const ses = new SESv2Client({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    const client = new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    const handler = createConsentApiHandler(
      {
        store: slowStore,
        phoneIndex: { client, tableName: 'customers' },
        email: new SesEmailSender(ses, { fromEmailAddress: 'hello@example.com', configurationSetName: 'cs' }),
        sms: new LocalSmsOutbox({ originationIdentity: '+12125550000', configurationSetName: 'cs' }),
        links: { baseUrl: 'http://127.0.0.1', secret },
        now: () => now,
      },
      { rateLimit: false, logError: () => undefined, ...options },
    );
    const token = signToken({ customerId: 'c-1', channel: 'email', topic: 'marketing', purpose: 'preferences' }, secret, { now, ttlSeconds: 3600 });
    try {
      const event = {
        version: '2.0',
        routeKey: '$default',
        rawPath: '/preferences',
        rawQueryString: `token=${token}`,
        queryStringParameters: { token },
        headers: { host: '127.0.0.1' },
        isBase64Encoded: false,
        requestContext: { http: { method: 'GET', path: '/preferences', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' } },
      } as unknown as APIGatewayProxyEventV2;
      return await handler(event, { ...localLambdaContext('consent-api'), getRemainingTimeInMillis: () => 6 });
    } finally {
      client.destroy();
      ses.destroy();
    }
  }

  it('answers 500 when the Lambda runs out of time, as in AWS', async () => {
    // Act
    const result = await openSlowPreferenceCentre({});

    // Assess
    expect(result).toMatchObject({ statusCode: 500 });
  });

  it('is off for the local stack, whose timers run on the virtual clock: the page opens however long it takes', async () => {
    // Act
    const result = await openSlowPreferenceCentre({ timeoutEarly: false });

    // Assess
    expect(result).toMatchObject({ statusCode: 200 });
  });
});
