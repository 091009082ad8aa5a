/**
 * The send rate through the real synthesized state machine: ten customers sign up at the same
 * instant and the local runtime runs welcome with email limited to 3 a second, 2 of them for
 * marketing (1 is kept for transactional messages, lib/store/send-slots.ts). Every welcome email
 * goes out once, none is lost, and no second of virtual time holds more than two: the others wait
 * (`.defer`) and are sent by `.resend`, which hands the send function the deferral whose slot it
 * holds.
 */
import type { DeliveryOutcome } from '../../lib/delivery/deliver-message';
import type { SendStepPayload } from '../../lib/journeys/send-contract';
import { sendLedgerOf } from '../../lib/local/customer-history';
import { LocalRuntime } from '../../lib/local/runtime';
import { welcome } from '../../workflows/catalog/welcome';
import { scheduleCustomerEvent, testOutdir } from './support';

jest.setTimeout(300_000);

const START = Date.parse('2026-03-02T09:00:00Z');
const MINUTE = 60_000;
const CUSTOMERS = Array.from({ length: 10 }, (_, index) => `rate-${index}`);

interface SendStepSeen {
  readonly payload: SendStepPayload;
  readonly outcome: DeliveryOutcome;
  readonly at: number;
}

let runtime: LocalRuntime;
const steps: SendStepSeen[] = [];

beforeAll(async () => {
  runtime = await LocalRuntime.start({
    journeys: [welcome],
    start: new Date(START),
    seed: 5,
    outdir: testOutdir('send-rate'),
    inactivityScan: false,
    sendRates: { email: 3 },
    onSendStep: (payload, outcome) => steps.push({ payload, outcome, at: runtime.now().getTime() }),
  });
});
afterAll(() => runtime.close());

/** Imports a customer who takes marketing email and schedules their sign-up at virtual `at`. */
async function signUpAt(customerId: string, at: number): Promise<void> {
  await runtime.store.importCustomer({
    profile: { customerId, stage: 'prospect', timezone: 'UTC', email: `${customerId}@example.com`, updatedAt: new Date(START).toISOString() },
    consents: [{ channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-01T00:00:00Z', proof: { source: 'web-form' } }],
  });
  scheduleCustomerEvent(runtime, { name: 'signed_up', customerId, eventId: `signup-${customerId}`, at });
}

describe('welcome with email limited to 3 a second, 2 for marketing, on the local runtime', () => {
  it('sends each of ten welcome emails due at once exactly once, never more than two in a second', async () => {
    // Prepare
    for (const customerId of CUSTOMERS) await signUpAt(customerId, START + MINUTE);

    // Act
    await runtime.run(new Date(START + 30 * MINUTE));

    // Assess: one sent entry per customer, none failed or lost.
    const sentAt: number[] = [];
    for (const customerId of CUSTOMERS) {
      const welcomes = (await sendLedgerOf(runtime.clients.dynamodb, runtime.tableName, customerId)).filter((entry) => entry.step === 'welcome-email');
      expect(welcomes).toEqual([expect.objectContaining({ status: 'sent', channel: 'email' })]);
      sentAt.push(Date.parse(welcomes[0]?.sentAt ?? ''));
    }
    const perSecond = new Map<number, number>();
    for (const at of sentAt) perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(2);
    // One now, the nine others in slots 500 ms apart, each waited for to its whole second: 1, 2, 2, 2, 2, 1.
    expect(Math.max(...sentAt) - Math.min(...sentAt)).toBe(5000);

    // Assess: the deferred went through .defer to .resend, which sent in the slot it held.
    const deferred = steps.filter((step) => step.outcome.outcome === 'deferred');
    expect(deferred).toHaveLength(9);
    expect(deferred.every((step) => step.outcome.outcome === 'deferred' && step.outcome.reason === 'rate_limited')).toBe(true);
    const resent = steps.filter((step) => step.payload.deferral !== undefined);
    expect(resent.map((step) => step.outcome.outcome)).toEqual(deferred.map(() => 'sent'));
    for (const step of resent) expect(step.at).toBeGreaterThanOrEqual(Date.parse(step.payload.deferral?.until ?? ''));
    for (const customerId of CUSTOMERS) {
      expect(runtime.stepFunctions.describeExecution(`welcome-${customerId}-signup-${customerId}`)).toMatchObject({ status: 'RUNNING' });
    }
  });
});
