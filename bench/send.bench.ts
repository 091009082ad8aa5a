/**
 * `send_per_s`: the whole send path (`deliverMessage`: the snapshot Query and the deciding records
 * read again together, the gate, the ledger reservation, SES, the ledger update) against dynalite
 * and aws-ses-v2-local in this process.
 * `ddb_requests_per_message`: DynamoDB requests per sent message (4: the Query, one
 * TransactGetItems, the reservation and the sent mark; test/delivery/deliver-message.integration.test.ts
 * asserts the same four).
 */
import { LocalSmsOutbox, SesEmailSender, SqsDirectMailSender } from '../lib/channels';
import { SQSClient } from '@aws-sdk/client-sqs';
import { deliverMessage, type DeliveryPorts } from '../lib/delivery/deliver-message';
import { CustomerStore } from '../lib/store';
import { loadTemplateCatalog } from '../lib/templates';
import { countRequests, createCustomerTable, startDynalite } from '../test/support/dynalite';
import { startSesLocal } from '../test/support/ses-local';
import { TEST_SENDER_POSTAL_ADDRESS } from '../test/support/sender-address';

const CUSTOMERS = 400;
const IN_FLIGHT = 8;

export async function run(): Promise<Record<string, number>> {
  const [dynamo, ses] = await Promise.all([startDynalite(), startSesLocal()]);
  try {
    const store = new CustomerStore({ client: dynamo.client, tableName: await createCustomerTable(dynamo.client, 'bench-send') });
    const now = new Date('2026-03-02T17:00:00Z');
    const ports: DeliveryPorts = {
      store,
      templates: loadTemplateCatalog('workflows/templates'),
      links: { baseUrl: 'https://preferences.example.com', secret: 'bench-link-signing-secret-0123456789abcdef' },
      senderPostalAddress: TEST_SENDER_POSTAL_ADDRESS,
      senders: {
        email: new SesEmailSender(ses.client, { fromEmailAddress: 'journeys@example.com', configurationSetName: 'bench' }),
        sms: new LocalSmsOutbox({ originationIdentity: 'bench', configurationSetName: 'bench' }),
        // Not used: every step here allows email only.
        mail: new SqsDirectMailSender(new SQSClient({ maxAttempts: 1 }), { queueUrl: 'http://127.0.0.1:9/unused' }),
      },
      now: () => now,
    };
    const ids = Array.from({ length: CUSTOMERS }, (_, index) => `bench-${index}`);
    for (const customerId of ids) {
      await store.putProfile({
        customerId,
        stage: 'prospect',
        timezone: 'America/New_York',
        email: `${customerId}@example.com`,
        updatedAt: '2026-03-01T00:00:00Z',
      });
      await store.recordConsent(customerId, {
        channel: 'email',
        topic: 'marketing',
        status: 'granted',
        at: '2026-03-01T00:00:00Z',
        proof: { source: 'bench' },
      });
    }
    const counter = countRequests(dynamo.client);
    let next = 0;
    let sent = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < ids.length) {
          const customerId = ids[next++] ?? '';
          const outcome = await deliverMessage(ports, {
            customerId,
            journey: 'welcome',
            step: 'welcome-email',
            execution: `welcome-${customerId}-signed_up-1`,
            templateId: 'welcome',
            topic: 'marketing',
            channels: ['email'],
          });
          if (outcome.outcome === 'sent') sent += 1;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    counter.detach();
    if (sent !== CUSTOMERS) throw new Error(`expected ${CUSTOMERS} emails, sent ${sent}`);
    return {
      send_per_s: Math.round((sent / seconds) * 10) / 10,
      ddb_requests_per_message: counter.count() / sent,
    };
  } finally {
    await Promise.all([dynamo.stop(), ses.stop()]);
  }
}
