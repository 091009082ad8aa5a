/**
 * Every catalog journey, run by the local runtime on the real emulators (dynalite, aws-ses-v2-local,
 * fauxqs) with the state machines of the synthesized template, along its main branches: one
 * scenario of customers chosen to take each branch, simulated over 50 virtual days.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import type { Channel } from '../../lib/customer/model';
import { checkReport, formatViolation, parseScenario, type Report, type ScenarioEvent } from '../../lib/scenario';
import { simulate } from '../../lib/simulate/simulate';
import { journeys } from '../../workflows';
import { reachableCustomer, testOutdir, winBackCustomer } from './support';

jest.setTimeout(900_000);

const START = '2026-03-02T09:00:00Z';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (offsetMs: number): string => new Date(Date.parse(START) + offsetMs).toISOString();

const WIN_BACK = winBackCustomer(false);
const HELD_OUT = winBackCustomer(true);

const customer = reachableCustomer;

function event(customerId: string, offsetMs: number, name: string, properties: Record<string, string> = {}): ScenarioEvent {
  return { at: at(offsetMs), customerId, type: 'event', name, properties };
}

const scenario = parseScenario(
  {
    start: START,
    until: at(50 * DAY),
    seed: 11,
    journeys: ['welcome', 'prospect-nurture', 'active-cross-sell', 'loyalty', 'win-back'],
    customers: [
      customer('w-no-order', { stage: 'prospect' }),
      customer('w-orders', { stage: 'prospect' }),
      customer('p-engaged', { stage: 'prospect' }),
      customer('p-silent', { stage: 'prospect' }),
      customer('p-buys', { stage: 'prospect' }),
      customer('a-interests', { attributes: { interests: ['running'] } }),
      customer('a-store'),
      customer('a-plain'),
      customer('a-capped', { stage: 'prospect', preferences: { maxPerWeek: 1 } }),
      customer('l-gold', { attributes: { tier: 'gold' } }),
      customer('l-standard', { attributes: { tier: 'standard' } }),
      customer('l-climbs', { attributes: { tier: 'standard' } }),
      customer(WIN_BACK, { attributes: { 'lastEvent.order_placed': at(-95 * DAY) } }),
      customer(HELD_OUT, { attributes: { 'lastEvent.order_placed': at(-95 * DAY) } }),
    ],
    events: [
      event('w-no-order', HOUR, 'signed_up'),
      event('w-orders', HOUR, 'signed_up'),
      event('w-orders', 3 * DAY + HOUR, 'order_placed'),
      event('p-engaged', HOUR, 'lead_captured'),
      event('p-engaged', DAY, 'preferences_updated'),
      event('p-engaged', 10 * DAY, 'store_visit'),
      event('p-silent', HOUR, 'lead_captured'),
      event('p-buys', HOUR, 'lead_captured'),
      event('p-buys', 12 * DAY, 'order_placed'),
      event('a-interests', HOUR, 'order_placed'),
      event('a-store', HOUR, 'store_visit'),
      event('a-store', 2 * HOUR, 'order_placed'),
      event('a-plain', HOUR, 'order_placed'),
      event('a-capped', HOUR, 'signed_up'),
      event('a-capped', 2 * HOUR, 'order_placed'),
      event('l-gold', HOUR, 'tier_changed'),
      event('l-standard', HOUR, 'tier_changed'),
      event('l-climbs', HOUR, 'tier_changed', { tier: 'silver' }),
      event('l-climbs', 20 * DAY, 'tier_changed', { tier: 'gold' }),
    ],
  },
  { knownJourneys: Object.keys(journeys) },
);

let report: Report;
const delivered = { emails: 0, texts: 0, letters: 0 };

beforeAll(async () => {
  report = await simulate(scenario, {
    outdir: testOutdir('catalog-journeys'),
    inspect: async (runtime) => {
      const store = z.object({ emails: z.array(z.unknown()) }).parse(await (await fetch(`${runtime.endpoints.ses}/store`)).json());
      delivered.emails = store.emails.length;
      delivered.texts = runtime.smsOutbox.messages().length;
      const { Attributes } = await runtime.clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: runtime.directMailQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
      );
      delivered.letters = Number(Attributes?.ApproximateNumberOfMessages ?? 0);
    },
  });
});

function stepsOf(customerId: string, journey: string): string[] {
  return report.messages.filter((message) => message.customerId === customerId && message.journey === journey).map((message) => message.step);
}

function skippedOf(customerId: string, journey: string): string[] {
  return report.skipped.filter((skip) => skip.customerId === customerId && skip.journey === journey).map((skip) => `${skip.step}: ${skip.reason}`);
}

function stageOf(customerId: string): string | undefined {
  return report.customers.find((entry) => entry.id === customerId)?.stage;
}

function channelsOf(customerId: string): Channel[] {
  return report.messages.filter((message) => message.customerId === customerId).map((message) => message.channel);
}

describe('catalog journeys on the local runtime', () => {
  it('welcome: welcome, tips two days later, and a nudge when no order comes within a week', () => {
    // Assess
    expect(stepsOf('w-no-order', 'welcome')).toEqual(['welcome-email', 'tips-email', 'first-purchase-nudge']);
    expect(stageOf('w-no-order')).toBe('new_customer');
    const [welcome, tips] = report.messages.filter((message) => message.customerId === 'w-no-order');
    expect(Date.parse(tips?.at ?? '') - Date.parse(welcome?.at ?? '')).toBe(2 * DAY);
  });

  it('welcome: an order within the week reaches the goal, with no nudge, and makes the customer active', () => {
    // Assess
    expect(stepsOf('w-orders', 'welcome')).toEqual(['welcome-email', 'tips-email']);
    expect(stageOf('w-orders')).toBe('active');
  });

  it('prospect-nurture: asks for preferences, then nurtures every other Tuesday at 10:00 local time while the prospect stays engaged', () => {
    // Assess: seen in the store on day 10, the prospect is engaged for the second and third nurture, not the fourth.
    expect(stepsOf('p-engaged', 'prospect-nurture')).toEqual(['ask-preferences', 'nurture-1', 'nurture-2', 'nurture-3']);
    const nurtures = report.messages.filter((message) => message.customerId === 'p-engaged' && message.step.startsWith('nurture-'));
    expect(nurtures.map((message) => new Date(message.at).getUTCDay())).toEqual([2, 2, 2]);
    expect(nurtures.map((message) => new Date(message.at).getUTCHours())).toEqual([10, 10, 10]);
  });

  it('prospect-nurture: reminds a prospect who gives no preferences, and stops at the first order', () => {
    // Assess
    expect(stepsOf('p-silent', 'prospect-nurture').slice(0, 2)).toEqual(['ask-preferences', 'remind-preferences']);
    expect(stepsOf('p-buys', 'prospect-nurture').slice(0, 2)).toEqual(['ask-preferences', 'remind-preferences']);
    expect(stageOf('p-buys')).toBe('new_customer');
    expect(stageOf('p-silent')).toBe('prospect');
  });

  it('active-cross-sell: the suggestion fits new interests, a store visit, or else the bestsellers, and a follow-up follows', () => {
    // Assess
    expect(stepsOf('a-interests', 'active-cross-sell')).toEqual(['new-interests', 'follow-up']);
    expect(stepsOf('a-store', 'active-cross-sell')).toEqual(['store-visitor', 'follow-up']);
    expect(stepsOf('a-plain', 'active-cross-sell')).toEqual(['bestsellers', 'follow-up']);
  });

  it('active-cross-sell: no follow-up of a suggestion the frequency cap kept back', () => {
    // Assess: the welcome email fills the week's one message, so the bestsellers three days later are capped.
    expect(stepsOf('a-capped', 'welcome')).toEqual(['welcome-email']);
    expect(stepsOf('a-capped', 'active-cross-sell')).toEqual([]);
    expect(skippedOf('a-capped', 'active-cross-sell')).toEqual(['bestsellers: frequency_capped', 'follow-up: nothing_to_follow_up']);
  });

  it('loyalty: a gold customer is thanked, made loyal and shown the rewards; a standard one gets nothing', () => {
    // Assess
    expect(stepsOf('l-gold', 'loyalty')).toEqual(['thanks', 'rewards']);
    expect(stageOf('l-gold')).toBe('loyal');
    expect(stepsOf('l-standard', 'loyalty')).toEqual([]);
    expect(stageOf('l-standard')).toBe('active');
  });

  it('loyalty: a customer who climbs from silver to gold within the year is thanked for gold, the silver tier having entered nothing', () => {
    // Assess
    expect(stepsOf('l-climbs', 'loyalty')).toEqual(['thanks', 'rewards']);
    expect(stageOf('l-climbs')).toBe('loyal');
    const [thanks] = report.messages.filter((message) => message.customerId === 'l-climbs');
    expect(Date.parse(thanks?.at ?? '')).toBe(Date.parse(at(20 * DAY)));
  });

  it('win-back: the inactivity scan enters a lapsed customer, who gets email, SMS and a letter; the holdout gets nothing', () => {
    // Assess
    expect(stepsOf(WIN_BACK, 'win-back')).toEqual(['win-back-email', 'win-back-sms', 'win-back-mail']);
    expect(channelsOf(WIN_BACK)).toEqual(['email', 'sms', 'mail']);
    expect(stageOf(WIN_BACK)).toBe('lapsed');
    expect(stepsOf(HELD_OUT, 'win-back')).toEqual([]);
    expect(stageOf(HELD_OUT)).toBe('active');
  });

  it('hands every reported message to its emulator: the SES mailbox, the SMS outbox, the direct-mail queue', () => {
    // Assess
    const count = (channel: Channel): number => report.messages.filter((message) => message.channel === channel).length;
    expect(delivered).toEqual({ emails: count('email'), texts: count('sms'), letters: count('mail') });
  });

  it('writes a report that obeys rules 1–8', () => {
    // Assess
    expect(checkReport(scenario, report).map(formatViolation)).toEqual([]);
  });
});
