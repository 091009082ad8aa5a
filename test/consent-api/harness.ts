/**
 * The consent API on the local stack for tests: dynalite and the SES v2 emulator in-process, the
 * local SMS outbox for texts, the real middy handler served on 127.0.0.1 by the Node adapter, a settable clock, and helpers to
 * sign tokens and read a customer's partition around the API.
 */
import { DeleteItemCommand, paginateScan, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SesEmailSender } from '../../lib/channels/email';
import { LocalSmsOutbox } from '../../lib/channels/sms-outbox';
import {
  createConsentApiHandler,
  serveApiGatewayHandlerAt,
  type ConsentApiDependencies,
  type RateLimitSettings,
} from '../../lib/consent-api';
import type { Channel, Topic } from '../../lib/customer/model';
import { parseCustomerEvent } from '../../lib/ingest/customer-event';
import { ingestCustomerEvent } from '../../lib/ingest/ingest-event';
import { CustomerStore } from '../../lib/store';
import { signToken, type TokenPurpose } from '../../lib/unsubscribe';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { startSesLocal, type SesLocal } from '../support/ses-local';
import { partitionItems } from '../store/fixtures';

export const LINK_SECRET = 'consent-api-test-secret-0123456789abcdef';

/** A clock the test moves by hand. */
export interface TestClock {
  now(): Date;
  set(instant: string | Date): void;
  advance(milliseconds: number): void;
}

export function testClock(start: string): TestClock {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set: (instant) => {
      current = new Date(instant);
    },
    advance: (milliseconds) => {
      current = new Date(current.getTime() + milliseconds);
    },
  };
}

export interface ConsentApiHarness {
  readonly dynamo: DynaliteHarness;
  readonly ses: SesLocal;
  readonly tableName: string;
  readonly store: CustomerStore;
  readonly deps: ConsentApiDependencies;
  /** Where the API's SMS confirmation texts go (no SMS emulator exists; the local stack uses the same outbox). */
  readonly smsOutbox: LocalSmsOutbox;
  readonly clock: TestClock;
  /** `http://127.0.0.1:<port>`, also the links' base URL. */
  readonly url: string;
  /** A token for the customer, signed like the API signs them, at the harness clock. */
  token(customerId: string, purpose: TokenPurpose, scope?: { channel?: Channel; topic?: Topic; ttlSeconds?: number }): string;
  /** Every raw item of the customer's partition, for before/after comparisons. */
  partition(customerId: string): Promise<Array<Record<string, AttributeValue>>>;
  /**
   * Deletes every destination's confirmation slots (lib/store/confirmation-destinations.ts), as
   * `ses.clear()` empties the mailbox: for test files that reuse one address at one instant in
   * test after test.
   */
  forgetConfirmationBudgets(): Promise<void>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  readonly start?: string;
  readonly rateLimit?: RateLimitSettings | false;
  /** The path the API is served under, e.g. `/overture`. @default '' */
  readonly basePath?: string;
}

export async function startConsentApiHarness(options: HarnessOptions = {}): Promise<ConsentApiHarness> {
  const dynamo = await startDynalite();
  const ses = await startSesLocal();
  const tableName = await createCustomerTable(dynamo.client, 'consent-api');
  const store = new CustomerStore({ client: dynamo.client, tableName });
  const clock = testClock(options.start ?? '2026-03-02T09:00:00Z');
  const smsOutbox = new LocalSmsOutbox({ originationIdentity: '+12125550000', configurationSetName: 'overture-sms' }, { now: () => clock.now() });
  const depsFor = (baseUrl: string): ConsentApiDependencies => ({
    store,
    phoneIndex: { client: dynamo.client, tableName },
    email: new SesEmailSender(ses.client, { fromEmailAddress: 'Overture <hello@example.com>', configurationSetName: 'overture-consent' }),
    sms: smsOutbox,
    links: { baseUrl, secret: LINK_SECRET },
    now: () => clock.now(),
    topics: [
      { topic: 'marketing', label: 'Offers and news' },
      { topic: 'newsletter', label: 'The monthly newsletter' },
    ],
  });
  let deps: ConsentApiDependencies | undefined;
  const server = await serveApiGatewayHandlerAt((url) => {
    deps = depsFor(`${url}${options.basePath ?? ''}`);
    return createConsentApiHandler(deps, { rateLimit: options.rateLimit ?? false, logError: () => undefined });
  });
  if (deps === undefined) throw new Error('the server did not build the handler');
  const baseUrl = deps.links.baseUrl;
  return {
    dynamo,
    ses,
    tableName,
    store,
    deps,
    smsOutbox,
    clock,
    url: baseUrl,
    token: (customerId, purpose, scope = {}) =>
      signToken(
        { customerId, purpose, channel: scope.channel ?? 'email', topic: scope.topic ?? 'marketing' },
        LINK_SECRET,
        { now: clock.now(), ttlSeconds: scope.ttlSeconds ?? 86_400 },
      ),
    partition: (customerId) => partitionItems(dynamo.client, tableName, customerId),
    forgetConfirmationBudgets: async () => {
      const pages = paginateScan(
        { client: dynamo.client },
        { TableName: tableName, FilterExpression: 'begins_with(pk, :prefix)', ExpressionAttributeValues: { ':prefix': { S: 'CONFIRMATION_TO#' } } },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
          await dynamo.client.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: item.pk ?? { S: '' }, sk: item.sk ?? { S: '' } } }));
        }
      }
    },
    stop: async () => {
      await server.close();
      await ses.stop();
      await dynamo.stop();
    },
  };
}

/** The body of a first-contact capture, valid unless overridden. */
export function captureBody(customerId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customerId,
    timezone: 'America/New_York',
    email: 'ana@example.com',
    phone: '+12125550143',
    channels: ['email', 'sms'],
    topics: ['marketing'],
    preferredWindow: { start: '17:00', end: '20:00' },
    proof: { source: 'web-form', consentTextVersion: 'v3', formId: 'signup-footer' },
    ...overrides,
  };
}

/** POSTs JSON to the API. */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), redirect: 'manual' });
}

/** POSTs a form to the API. */
export function postForm(url: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<Response> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
  }
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: body.toString(),
    redirect: 'manual',
  });
}

/** Presses the button of the double opt-in page as a browser does: the link's URL, POSTed an empty form. */
export function pressConfirmButton(link: string, headers: Record<string, string> = {}): Promise<Response> {
  return postForm(link, {}, headers);
}

/**
 * Ingests a CRM's `consent_changed` for `customerId` (its `detail` besides the id), as the ingest
 * function would, at 08:00 on the harness's first day: how a customer comes to be known without a
 * profile. No route starts on this event and no execution waits, so Step Functions is never called.
 */
export async function ingestCrmConsentSync(api: ConsentApiHarness, customerId: string, detail: Record<string, unknown>): Promise<void> {
  const time = '2026-03-02T08:00:00Z';
  const parsed = parseCustomerEvent({ id: `eb-crm-${customerId}`, 'detail-type': 'consent_changed', source: 'crm', time, detail: { customerId, ...detail } }, { now: new Date(time) });
  if (!parsed.valid) throw new Error(parsed.reason);
  const sfn = new SFNClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  await ingestCustomerEvent({ store: api.store, dynamodb: api.dynamo.client, tableName: api.tableName, sfn, routes: [] }, parsed.event);
}

/**
 * `api`'s dependencies with a store that runs `change` right after the request's first read of the
 * customer: another writer landing between a consent-API request's read and its writes or sends.
 */
export function changedAfterFirstRead(api: ConsentApiHarness, change: (store: CustomerStore, customerId: string) => Promise<unknown>): ConsentApiDependencies {
  const store = api.deps.store;
  const racing = Object.create(store) as CustomerStore;
  let reads = 0;
  const changingAfterFirst = <T>(read: (id: string) => Promise<T>) => async (id: string): Promise<T> => {
    const records = await read(id);
    reads += 1;
    if (reads === 1) await change(store, id);
    return records;
  };
  // The preference centre reads the snapshot first, a capture all the customer's records.
  racing.getSnapshot = changingAfterFirst((id) => store.getSnapshot(id));
  racing.customerRecords = changingAfterFirst((id) => store.customerRecords(id));
  return { ...api.deps, store: racing };
}
