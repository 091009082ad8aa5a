/**
 * Erasing a customer (lib/store/erase-customer.ts) after a first contact through the consent API,
 * and what a late event does afterwards, on dynalite and the SES v2 emulator (the review of privacy
 * and data lifecycle, moved here).
 */
import { BatchWriteItemCommand, paginateScan, PutItemCommand, type BatchWriteItemCommandInput, type BatchWriteItemCommandOutput } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { parseCustomerEvent } from '../../lib/ingest/customer-event';
import { ingestCustomerEvent, type IngestPorts } from '../../lib/ingest/ingest-event';
import { eraseCustomer, ERASURE_TOMBSTONE_DAYS, ERASURE_TOMBSTONE_SORT_KEY } from '../../lib/store/erase-customer';
import { customersHoldingPhone, indexPhone, LEGACY_PHONE_INDEX_SORT_KEY } from '../../lib/store/phone-index';
import { captureBody, postJson, startConsentApiHarness, type ConsentApiHarness } from './harness';

let api: ConsentApiHarness;

beforeAll(async () => {
  api = await startConsentApiHarness();
});
afterAll(() => api.stop());

function table() {
  return { client: api.dynamo.client, tableName: api.tableName };
}

/** Ingest's ports; no route starts on these events and no execution waits, so Step Functions is never called. */
function ingestPorts(): IngestPorts {
  return {
    store: api.store,
    dynamodb: api.dynamo.client,
    tableName: api.tableName,
    sfn: new SFNClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
    routes: [],
  };
}

/** Every item of the table whose key or attributes name `needle` (a number, an id), as plain JSON. */
async function itemsNaming(needle: string): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client: api.dynamo.client }, { TableName: api.tableName })) {
    for (const item of page.Items ?? []) {
      const plain = unmarshall(item);
      if (JSON.stringify(plain).includes(needle)) found.push(plain);
    }
  }
  return found;
}

/** A consent sync from the CRM for `customerId`, as ingest receives it. */
function crmConsentSync(customerId: string, eventId: string, time: string, phone: string) {
  const parsed = parseCustomerEvent(
    {
      id: eventId,
      'detail-type': 'consent_changed',
      source: 'crm',
      time,
      detail: { customerId, consents: [{ channel: 'sms', topic: 'marketing', status: 'granted', proof: { source: 'crm-sync', ip: '198.51.100.24', userAgent: 'Ana-iPhone', phone } }] },
    },
    { now: new Date(time) },
  );
  if (!parsed.valid) throw new Error(parsed.reason);
  return parsed.event;
}

describe('eraseCustomer', () => {
  it('leaves no copy of the customer\'s phone number, and of their id only the tombstone, which holds no personal data', async () => {
    // Prepare: a first contact through the public form, with a phone.
    const customerId = 'c-erased-form';
    const phone = '+12125550177';
    expect((await postJson(`${api.url}/consents`, captureBody(customerId, { email: 'erased@example.com', phone }))).status).toBe(202);
    expect(await customersHoldingPhone(table(), phone)).toEqual([customerId]);

    // Act
    const outcome = await eraseCustomer(table(), customerId, { now: api.clock.now() });

    // Assess
    expect(outcome).toMatchObject({ customerId, phoneIndexItemsDeleted: 1 });
    expect(outcome.itemsDeleted).toBeGreaterThan(0);
    expect(await itemsNaming(phone)).toEqual([]);
    expect(await itemsNaming('erased@example.com')).toEqual([]);
    const erasedAt = api.clock.now().toISOString();
    expect(await itemsNaming(customerId)).toEqual([
      {
        pk: `CUSTOMER#${customerId}`,
        sk: ERASURE_TOMBSTONE_SORT_KEY,
        kind: 'erasure',
        customerId,
        erasedAt,
        expiresAt: Math.floor(Date.parse(erasedAt) / 1000) + ERASURE_TOMBSTONE_DAYS * 86_400,
      },
    ]);
  });

  it('deletes a partition of more items than one request takes, index items under numbers the profile no longer holds, and is idempotent', async () => {
    // Prepare: 60 consent events (120 items), an index item left under an earlier number (a phone
    // change cut short), and an item of the earlier index layout naming the customer.
    const customerId = 'c-erased-big';
    const oldPhone = '+12125550180';
    expect((await postJson(`${api.url}/consents`, captureBody(customerId, { phone: '+12125550181' }))).status).toBe(202);
    for (let day = 1; day <= 60; day += 1) {
      const at = new Date(Date.UTC(2026, 0, day)).toISOString();
      await api.store.recordConsent(customerId, { channel: 'sms', topic: `topic-${day}`, status: 'granted', at, proof: { source: 'crm-sync', phone: oldPhone } });
    }
    await indexPhone(table(), { phone: oldPhone, customerId, updatedAt: '2026-01-01T00:00:00Z' });
    const legacy = '+12125550182';
    await api.dynamo.client.send(
      new PutItemCommand({
        TableName: api.tableName,
        Item: { pk: { S: `PHONE#${legacy}` }, sk: { S: LEGACY_PHONE_INDEX_SORT_KEY }, phone: { S: legacy }, customerId: { S: customerId }, updatedAt: { S: '2025-01-01T00:00:00Z' } },
      }),
    );
    await api.store.recordConsent(customerId, { channel: 'sms', topic: 'legacy', status: 'granted', at: '2025-01-01T00:00:00Z', proof: { source: 'crm-sync', phone: legacy } });

    // Act
    const first = await eraseCustomer(table(), customerId, { now: api.clock.now() });
    const again = await eraseCustomer(table(), customerId, { now: api.clock.now() });

    // Assess
    expect(first.itemsDeleted).toBeGreaterThan(120);
    expect(first.phoneIndexItemsDeleted).toBe(3);
    expect(again).toMatchObject({ itemsDeleted: 0, phoneIndexItemsDeleted: 0 });
    expect((await api.partition(customerId)).map((item) => item.sk?.S)).toEqual([ERASURE_TOMBSTONE_SORT_KEY]);
    for (const phone of [oldPhone, '+12125550181', legacy]) expect(await itemsNaming(phone)).toEqual([]);
  });

  it('sends the deletes DynamoDB left unprocessed again, and keeps another customer\'s item of the earlier index layout', async () => {
    // Prepare: a client that leaves the second delete of each request unprocessed once.
    const customerId = 'c-erased-throttled';
    expect((await postJson(`${api.url}/consents`, captureBody(customerId))).status).toBe(202);
    const real = api.dynamo.client;
    let throttled = 0;
    const send = async (command: unknown): Promise<unknown> => {
      if (command instanceof BatchWriteItemCommand && throttled === 0) {
        const input: BatchWriteItemCommandInput = command.input;
        const requests = input.RequestItems?.[api.tableName] ?? [];
        throttled += 1;
        await real.send(new BatchWriteItemCommand({ RequestItems: { [api.tableName]: requests.slice(0, 1) } }));
        const answer: BatchWriteItemCommandOutput = { $metadata: {}, UnprocessedItems: { [api.tableName]: requests.slice(1) } };
        return answer;
      }
      return real.send(command as never);
    };
    // Its prototype is the real client, as the paginator checks the client's class.
    const flaky = Object.assign(Object.create(real) as typeof real, { send });
    const other = '+12125550183';
    await api.dynamo.client.send(
      new PutItemCommand({
        TableName: api.tableName,
        Item: { pk: { S: `PHONE#${other}` }, sk: { S: LEGACY_PHONE_INDEX_SORT_KEY }, phone: { S: other }, customerId: { S: 'c-someone-else' }, updatedAt: { S: '2025-01-01T00:00:00Z' } },
      }),
    );
    await api.store.recordConsent(customerId, { channel: 'sms', topic: 'legacy', status: 'granted', at: '2025-01-01T00:00:00Z', proof: { source: 'crm-sync', phone: other } });

    // Act
    await eraseCustomer({ client: flaky, tableName: api.tableName }, customerId, { now: api.clock.now(), pause: async () => undefined });

    // Assess
    expect(throttled).toBe(1);
    expect(await customersHoldingPhone(table(), other)).toEqual(['c-someone-else']);
    expect((await api.partition(customerId)).map((item) => item.sk?.S)).toEqual([ERASURE_TOMBSTONE_SORT_KEY]);
  });
});

describe('an event for an erased customer', () => {
  it('is refused (ErasedCustomerError) and writes nothing back: no consent proof comes back where no export shows it', async () => {
    // Prepare: a customer captured, then erased.
    const customerId = 'c-erased-late';
    expect((await postJson(`${api.url}/consents`, captureBody(customerId, { email: 'late@example.com', phone: '+12125550178' }))).status).toBe(202);
    await eraseCustomer(table(), customerId, { now: api.clock.now() });

    // Act: a consent sync sent before the erasure reaches ingest after it (EventBridge retries for 24 h).
    const late = ingestCustomerEvent(ingestPorts(), crmConsentSync(customerId, 'eb-late', '2026-03-02T08:30:00Z', '+12125550178'));

    // Assess
    const refusal = await late.then(() => undefined, (error: unknown) => error);
    expect((await api.partition(customerId)).map((item) => item.sk?.S)).toEqual([ERASURE_TOMBSTONE_SORT_KEY]);
    expect(refusal).toMatchObject({
      name: 'ErasedCustomerError',
      message: `customer ${customerId} was erased at ${api.clock.now().toISOString()}: the event is refused, nothing was written`,
    });
    expect(await itemsNaming('+12125550178')).toEqual([]);
  });
});
