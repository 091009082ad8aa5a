/**
 * `welcome` and `prospect-nurture` are for prospects: a customer who has bought and then signs up
 * (a guest checkout, then an account) or fills in a lead form is neither set back to
 * `new_customer` nor nudged to make a first purchase. Simulated on the local runtime with the
 * synthesized state machines; a prospect beside them shows both journeys still run.
 */
import { parseScenario, type Report, type ScenarioEvent } from '../../lib/scenario';
import { simulate } from '../../lib/simulate/simulate';
import { journeys } from '../../workflows';
import { reachableCustomer, testOutdir } from './support';

jest.setTimeout(900_000);

const START = '2026-03-02T09:00:00Z';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function at(offsetMs: number): string {
  return new Date(Date.parse(START) + offsetMs).toISOString();
}

function event(customerId: string, offsetMs: number, name: string): ScenarioEvent {
  return { at: at(offsetMs), customerId, type: 'event', name, properties: {} };
}

let report: Report;

beforeAll(async () => {
  const scenario = parseScenario(
    {
      start: START,
      until: at(20 * DAY),
      seed: 3,
      journeys: ['welcome', 'prospect-nurture'],
      customers: [
        reachableCustomer('guest-buyer', { stage: 'active' }),
        // An order states no stage: a guest checkout leaves a prospect a prospect.
        reachableCustomer('guest-prospect', { stage: 'prospect' }),
        reachableCustomer('loyal-lead', { stage: 'loyal', attributes: { 'lastEvent.order_placed': at(-20 * DAY) } }),
        reachableCustomer('new-signup', { stage: 'prospect' }),
        reachableCustomer('new-lead', { stage: 'prospect' }),
      ],
      events: [
        event('guest-buyer', HOUR, 'order_placed'),
        event('guest-buyer', 2 * HOUR, 'signed_up'),
        event('guest-prospect', HOUR, 'order_placed'),
        event('guest-prospect', DAY, 'signed_up'),
        event('loyal-lead', HOUR, 'lead_captured'),
        event('loyal-lead', 10 * DAY, 'order_placed'),
        event('new-signup', HOUR, 'signed_up'),
        event('new-lead', HOUR, 'lead_captured'),
      ],
    },
    { knownJourneys: Object.keys(journeys) },
  );
  report = await simulate(scenario, { outdir: testOutdir('prospect-entry') });
});

function stepsOf(customerId: string): string[] {
  return report.messages.filter((message) => message.customerId === customerId).map((message) => message.step);
}

function stageOf(customerId: string): string | undefined {
  return report.customers.find((customer) => customer.id === customerId)?.stage;
}

describe('a customer who has bought', () => {
  it('is neither welcomed as new nor nudged to a first purchase when signing up', () => {
    // Assess
    expect(stepsOf('guest-buyer')).toEqual([]);
    expect(stageOf('guest-buyer')).toBe('active');
  });

  it('is not welcomed as new when still a prospect: an order states no stage, and a guest checkout is one', () => {
    // Assess
    expect(stepsOf('guest-prospect')).toEqual([]);
    expect(stageOf('guest-prospect')).toBe('prospect');
  });

  it('is not nurtured as a lead, nor set back to new_customer at the next order', () => {
    // Assess
    expect(stepsOf('loyal-lead')).toEqual([]);
    expect(stageOf('loyal-lead')).toBe('loyal');
  });
});

describe('a prospect', () => {
  it('is welcomed on signing up, and nurtured as a lead', () => {
    // Assess
    expect(stepsOf('new-signup')).toEqual(['welcome-email', 'tips-email', 'first-purchase-nudge']);
    expect(stepsOf('new-lead')).toEqual(expect.arrayContaining(['ask-preferences', 'nurture-1']));
  });
});
