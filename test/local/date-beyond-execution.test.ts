/**
 * A date wait whose date lies further away than a Standard execution may run (a year), on the
 * local runtime with the state machine of the synthesized template: Step Functions would time the
 * execution out during the wait, and the customer would get nothing with no exit recorded. The
 * journey ends at once instead, with the exit `date_beyond_execution`; a date within the year is
 * waited for as before.
 */
import { sendLedgerOf } from '../../lib/local/customer-history';
import { readJourneyRecords } from '../../lib/local/journey-results';
import { LocalRuntime } from '../../lib/local/runtime';
import { renewalReminder, scheduleCustomerEvent, testOutdir } from './support';

jest.setTimeout(300_000);

const START = Date.parse('2026-03-02T09:00:00Z');
const MINUTE = 60_000;
const DAY = 86_400_000;

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await LocalRuntime.start({ journeys: [renewalReminder], start: new Date(START), seed: 7, outdir: testOutdir('date-beyond-execution'), inactivityScan: false });
});
afterAll(() => runtime.close());

/** A customer who takes marketing email and renews on `renewalDate`, entered a minute after `start`. */
async function enterCustomer(customerId: string, renewalDate: string, start: number): Promise<string> {
  await runtime.store.importCustomer({
    profile: { customerId, stage: 'active', timezone: 'UTC', email: `${customerId}@example.com`, updatedAt: new Date(start).toISOString() },
    consents: [{ channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-01T00:00:00Z', proof: { source: 'web-form' } }],
    attributes: [{ changes: { renewal_date: renewalDate }, context: { at: new Date(start).toISOString() } }],
  });
  const eventId = `sub-${customerId}`;
  scheduleCustomerEvent(runtime, { name: 'subscription_started', customerId, eventId, at: start + MINUTE });
  return `renewal-reminder-${customerId}-${eventId}`;
}

/** The steps that sent `customerId` a message, with when. */
async function sentSteps(customerId: string): Promise<{ step: string; sentAt?: string }[]> {
  const ledger = await sendLedgerOf(runtime.clients.dynamodb, runtime.tableName, customerId);
  return ledger.filter((entry) => entry.status === 'sent').map(({ step, sentAt }) => ({ step, sentAt }));
}

async function endingsOf(execution: string): Promise<unknown[]> {
  const { endings } = await readJourneyRecords(runtime.clients.dynamodb, runtime.tableName, 'renewal-reminder');
  return endings.filter((ending) => ending.execution === execution);
}

describe('a date wait on the local runtime, for a date beyond the execution\'s year', () => {
  it('ends the execution at once with the exit date_beyond_execution when the date is two years away', async () => {
    // Prepare
    const start = runtime.now().getTime();
    const execution = await enterCustomer('c-far', '2028-03-15', start);

    // Act
    await runtime.run(new Date(start + DAY));

    // Assess
    const described = runtime.stepFunctions.describeExecution(execution);
    expect(described).toMatchObject({ status: 'SUCCEEDED' });
    expect(Date.parse(described.stopDate ?? '')).toBeLessThan(start + DAY);
    expect(await endingsOf(execution)).toEqual([expect.objectContaining({ record: 'exit', step: 'before-renewal', reason: 'date_beyond_execution' })]);
    expect(await sentSteps('c-far')).toEqual([]);
  });

  it('waits for a date three months away and sends the reminder after it', async () => {
    // Prepare
    const start = runtime.now().getTime();
    const execution = await enterCustomer('c-near', '2026-06-15', start);

    // Act
    await runtime.run(new Date(Date.parse('2026-06-09T00:00:00Z')));

    // Assess
    expect(runtime.stepFunctions.describeExecution(execution)).toMatchObject({ status: 'SUCCEEDED' });
    // 7 days before the renewal, at 09:00 in the customer's zone (UTC)
    const sent = await sentSteps('c-near');
    expect(sent.map((entry) => entry.step)).toEqual(['remind']);
    expect(Date.parse(sent[0]?.sentAt ?? '')).toBeGreaterThanOrEqual(Date.parse('2026-06-08T09:00:00Z'));
    expect(await endingsOf(execution)).toEqual([expect.objectContaining({ record: 'exit', reason: 'reminded' })]);
  });
});
