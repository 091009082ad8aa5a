/**
 * `overture results` for a send step that failed after the send Task's retries, on the records the
 * send path and the journeyEffects function really write to dynalite: the step's `.failed` state
 * records `sendFailed`, and the results must count it as reached and failed, not as still
 * deferred to a slot that nothing waits for.
 */
import { ProviderThrottledError, type SendReceipt } from '../../lib/channels';
import type { Channel } from '../../lib/customer/model';
import { deliverMessage, type DeliveryPorts } from '../../lib/delivery/deliver-message';
import { journeyEffectsPorts } from '../../lib/ingest/journey-records';
import { performJourneyEffect } from '../../lib/journeys/effects';
import { journeyResults, readJourneyRecords } from '../../lib/local/journey-results';
import { CustomerStore } from '../../lib/store';
import { SendSlots } from '../../lib/store/send-slots';
import { loadTemplateCatalog } from '../../lib/templates';
import { journeys } from '../../workflows';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { welcomeStep } from '../support/send-steps';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

jest.setTimeout(120_000);

const NOON = new Date('2026-03-02T17:00:00Z'); // 12:00 in New York
const SIGNED_UP = '2026-03-01T12:00:00Z';

let dynamo: DynaliteHarness;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(async () => {
  await dynamo.stop();
});

/** Senders that accept every message, or refuse every one with `refusal`. */
function senders(refusal?: () => Error): DeliveryPorts['senders'] {
  let sequence = 0;
  const sender = (channel: Channel) => ({
    send(): Promise<SendReceipt> {
      if (refusal !== undefined) return Promise.reject(refusal());
      sequence += 1;
      return Promise.resolve({ providerMessageId: `${channel}-${sequence}` });
    },
  });
  return { email: sender('email'), sms: sender('sms'), mail: sender('mail') };
}

async function enrol(store: CustomerStore, customerId: string): Promise<void> {
  await store.putProfile({ customerId, stage: 'prospect', timezone: 'America/New_York', email: `${customerId}@example.com`, updatedAt: SIGNED_UP });
  await store.recordConsent(customerId, { channel: 'email', topic: 'marketing', status: 'granted', at: SIGNED_UP, proof: { source: 'web-form', consentTextVersion: 'v3' } });
}

describe('a welcome email that failed after its retries', () => {
  it('is counted as reached and failed by its error, not as deferred, whether it waited for a send slot or not', async () => {
    // Prepare: one email a second; three welcome emails due at once, so two are deferred to a slot.
    const tableName = await createCustomerTable(dynamo.client, 'send-failure-results');
    const store = new CustomerStore({ client: dynamo.client, tableName });
    for (const customerId of ['f-1', 'f-2', 'f-3']) await enrol(store, customerId);
    let clock = NOON;
    const ports: DeliveryPorts = {
      store,
      templates: loadTemplateCatalog('workflows/templates'),
      links: { baseUrl: 'https://preferences.example.com', secret: 'send-failure-results-link-secret-0123456789' },
      senderPostalAddress: TEST_SENDER_POSTAL_ADDRESS,
      senders: senders(),
      now: () => clock,
      sendSlots: new SendSlots({ client: dynamo.client, tableName }, { email: 1 }),
    };
    expect(await deliverMessage(ports, welcomeStep('f-1'))).toMatchObject({ outcome: 'sent' });
    const deferred = await deliverMessage(ports, welcomeStep('f-2'));
    if (deferred.outcome !== 'deferred') throw new Error(`f-2 was not deferred: ${deferred.outcome}`);

    // Act: at its slot SES throttles f-2's every attempt, and f-3's first run fails the same way;
    // once the Task's retries are spent, each step's Catch records sendFailed and goes on.
    clock = new Date(NOON.getTime() + 1000);
    const throttled = () => new ProviderThrottledError({ provider: 'ses', code: 'TooManyRequestsException', httpStatusCode: 429 });
    const throttling: DeliveryPorts = { ...ports, senders: senders(throttled) };
    await expect(deliverMessage(throttling, welcomeStep('f-2', ['email'], { deferral: { outcome: 'deferred', channel: 'email', until: deferred.until, reason: 'rate_limited' } }))).rejects.toThrow(ProviderThrottledError);
    await expect(deliverMessage({ ...throttling, sendSlots: undefined }, welcomeStep('f-3'))).rejects.toThrow(ProviderThrottledError);
    const effects = journeyEffectsPorts({ store, client: dynamo.client, tableName, now: () => clock });
    for (const customerId of ['f-2', 'f-3']) {
      const { execution, journey, step } = welcomeStep(customerId);
      await performJourneyEffect({ action: 'sendFailed', customerId, journey, step, execution, error: 'ProviderThrottledError' }, effects);
    }
    const welcome = journeys.welcome;
    if (welcome === undefined) throw new Error('the catalog has no welcome journey');
    const results = journeyResults(welcome, { SUCCEEDED: 3 }, await readJourneyRecords(dynamo.client, tableName, 'welcome'));

    // Assess
    expect(results.steps.find((step) => step.step === 'welcome-email')).toMatchObject({
      reached: 3,
      sent: { email: 1 },
      deferred: 0,
      failedAfterRetries: { ProviderThrottledError: 2 },
    });
  });
});
