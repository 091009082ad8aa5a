/**
 * A date wait whose date has already passed, on the local runtime with the state machine of the
 * synthesized template: the reminder written for a date ahead ("renews in 7 days") must not go
 * out a month after the renewal. The journey ends at once instead, with the exit `date_passed`,
 * as a date beyond the execution's year ends with `date_beyond_execution`
 * (date-beyond-execution.test.ts); an annual date rolls on to its next anniversary as before.
 */
import { sendLedgerOf } from '../../lib/local/customer-history';
import { readJourneyRecords } from '../../lib/local/journey-results';
import { LocalRuntime } from '../../lib/local/runtime';
import { defineJourney, exit, onEvent, reEntry, send, waitUntilDate } from '../../workflows/builder';
import { renewalReminder, scheduleCustomerEvent, testOutdir } from './support';

jest.setTimeout(300_000);

const START = Date.parse('2026-03-02T09:00:00Z');
const MINUTE = 60_000;
const DAY = 86_400_000;

const birthday = defineJourney({
  id: 'birthday',
  name: 'Birthday',
  entry: onEvent(['birthday_given'], reEntry.never),
  steps: [
    waitUntilDate('on-birthday', { attribute: 'birthday', annual: true }),
    send('greet', { template: 'preference-reminder', topic: 'marketing', channels: ['email'] }),
    exit('greeted', 'greeted'),
  ],
});

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await LocalRuntime.start({ journeys: [renewalReminder, birthday], start: new Date(START), seed: 7, outdir: testOutdir('date-passed'), inactivityScan: false });
});
afterAll(() => runtime.close());

/** A customer who takes marketing email with the given dates, sending `event` a minute after `start`. */
async function enterCustomer(customerId: string, event: string, dates: Record<string, string>, start: number): Promise<string> {
  await runtime.store.importCustomer({
    profile: { customerId, stage: 'active', timezone: 'UTC', email: `${customerId}@example.com`, updatedAt: new Date(start).toISOString() },
    consents: [{ channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-01T00:00:00Z', proof: { source: 'web-form' } }],
    attributes: [{ changes: dates, context: { at: new Date(start).toISOString() } }],
  });
  const eventId = `sub-${customerId}`;
  scheduleCustomerEvent(runtime, { name: event, customerId, eventId, at: start + MINUTE });
  return eventId;
}

/** The steps that sent `customerId` a message, with when. */
async function sentSteps(customerId: string): Promise<{ step: string; sentAt?: string }[]> {
  const ledger = await sendLedgerOf(runtime.clients.dynamodb, runtime.tableName, customerId);
  return ledger.filter((entry) => entry.status === 'sent').map(({ step, sentAt }) => ({ step, sentAt }));
}

async function endingsOf(journey: string, execution: string): Promise<unknown[]> {
  const { endings } = await readJourneyRecords(runtime.clients.dynamodb, runtime.tableName, journey);
  return endings.filter((ending) => ending.execution === execution);
}

describe('a date wait on the local runtime, for a date already past', () => {
  it('ends the execution at once with the exit date_passed and sends no reminder when the renewal was a month ago', async () => {
    // Prepare
    const start = runtime.now().getTime();
    const eventId = await enterCustomer('c-past', 'subscription_started', { renewal_date: '2026-02-01' }, start);
    const execution = `renewal-reminder-c-past-${eventId}`;

    // Act
    await runtime.run(new Date(start + DAY));

    // Assess
    const described = runtime.stepFunctions.describeExecution(execution);
    expect(described).toMatchObject({ status: 'SUCCEEDED' });
    expect(Date.parse(described.stopDate ?? '')).toBeLessThan(start + DAY);
    expect(await endingsOf('renewal-reminder', execution)).toEqual([expect.objectContaining({ record: 'exit', step: 'before-renewal', reason: 'date_passed' })]);
    expect(await sentSteps('c-past')).toEqual([]);
  });

  it('waits for next year\'s birthday when this year\'s has passed, and greets on it', async () => {
    // Prepare: a birthday in January, entered in March.
    const start = runtime.now().getTime();
    const eventId = await enterCustomer('c-birthday', 'birthday_given', { birthday: '1990-01-10' }, start);
    const execution = `birthday-c-birthday-${eventId}`;

    // Act
    await runtime.run(new Date(Date.parse('2027-01-11T00:00:00Z')));

    // Assess
    expect(runtime.stepFunctions.describeExecution(execution)).toMatchObject({ status: 'SUCCEEDED' });
    const sent = await sentSteps('c-birthday');
    expect(sent.map((entry) => entry.step)).toEqual(['greet']);
    expect(Date.parse(sent[0]?.sentAt ?? '')).toBeGreaterThanOrEqual(Date.parse('2027-01-10T09:00:00Z'));
    expect(await endingsOf('birthday', execution)).toEqual([expect.objectContaining({ record: 'exit', reason: 'greeted' })]);
  });
});
