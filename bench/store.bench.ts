/**
 * `store_reads_per_s`: CustomerStore.getSnapshot throughput against dynalite in this process,
 * for a customer with a realistic record (profile, 4 consents, preferences, 1 suppression,
 * 5 attributes, a frequency item, plus history that the read must skip), 8 reads in flight,
 * about 3 seconds of measurement after a short warm-up.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CustomerStore, customerTableDefinition } from '../lib/store';
import { startLocalDynamoDB } from '../lib/store/local/local-dynamodb';

const IN_FLIGHT = 8;
const WARM_UP_MS = 500;
const MEASURE_MS = 3_000;

async function seed(store: CustomerStore, customerId: string): Promise<void> {
  await store.putProfile({
    customerId,
    stage: 'active',
    timezone: 'Europe/London',
    email: 'bench@example.com',
    phone: '+447700900123',
    address: { line1: '1 High St', city: 'London', postalCode: 'N1 9GU', country: 'GB' },
    updatedAt: '2026-03-01T12:00:00Z',
  });
  const consents = [
    ['email', 'marketing', 'granted'],
    ['sms', 'marketing', 'granted'],
    ['mail', 'marketing', 'revoked'],
    ['email', 'newsletter', 'granted'],
  ] as const;
  for (const [channel, topic, status] of consents) {
    await store.recordConsent(customerId, {
      channel,
      topic,
      status,
      at: '2026-03-01T12:00:00Z',
      proof: { source: 'web-form', ip: '203.0.113.7', userAgent: 'Mozilla/5.0', consentTextVersion: 'v3' },
    });
  }
  await store.putPreferences(customerId, {
    channels: ['email', 'sms', 'mail'],
    quietHours: { start: '21:00', end: '08:00' },
    preferredWindow: { start: '17:00', end: '20:00' },
    maxPerWeek: 3,
  });
  await store.addSuppression(customerId, { channel: 'mail', reason: 'returned_mail', at: '2026-02-01T00:00:00Z' });
  await store.setAttributes(
    customerId,
    { interests: ['running', 'cycling'], tier: 'standard', orders: 4, newsletterReader: true, lastStore: 'london-01' },
    { at: '2026-03-01T00:00:00Z', touchpoint: 'web' },
  );
  await store.setAttributes(customerId, { tier: 'gold', orders: 5 }, { at: '2026-03-05T00:00:00Z', touchpoint: 'store' });
  let frequency = { sends: [] as Array<{ key: string; at: string }>, version: 0 };
  for (let day = 1; day <= 3; day += 1) {
    await store.reserveSend({
      customerId,
      idempotencyKey: `bench-exec-${day}/email`,
      journey: 'bench',
      step: 'email',
      execution: `bench-exec-${day}`,
      channel: 'email',
      topic: 'marketing',
      at: `2026-03-0${day}T18:00:00Z`,
      expectedFrequency: frequency,
    });
    frequency = (await store.requireSnapshot(customerId)).frequency;
  }
}

export async function run(): Promise<Record<string, number>> {
  const local = await startLocalDynamoDB();
  const client = new DynamoDBClient({
    endpoint: local.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const tableName = 'bench-customers';
    await client.send(new CreateTableCommand(customerTableDefinition(tableName)));
    const store = new CustomerStore({ client, tableName });
    const customerId = 'bench-customer-1';
    await seed(store, customerId);

    let reads = 0;
    let measuring = false;
    const readUntil = async (deadline: number): Promise<void> => {
      while (Date.now() < deadline) {
        const snapshot = await store.getSnapshot(customerId);
        if (snapshot?.consents.length !== 4) throw new Error('bench customer read back incomplete');
        if (measuring) reads += 1;
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, () => readUntil(Date.now() + WARM_UP_MS)));
    measuring = true;
    const started = performance.now();
    const deadline = Date.now() + MEASURE_MS;
    await Promise.all(Array.from({ length: IN_FLIGHT }, () => readUntil(deadline)));
    const seconds = (performance.now() - started) / 1000;
    return { store_reads_per_s: Math.round(reads / seconds) };
  } finally {
    client.destroy();
    await local.close();
  }
}
