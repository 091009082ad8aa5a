/**
 * Two journeys' goals on one order, on the local runtime with the catalog: welcome's sets `active`,
 * prospect-nurture's `new_customer`, both dated at the order. The customer ends `active` even
 * though prospect-nurture notices the order days later (it waits for a Tuesday 10:00).
 */
import { parseScenario, type ScenarioEvent } from '../../lib/scenario';
import { simulate } from '../../lib/simulate/simulate';
import { journeys } from '../../workflows';
import { reachableCustomer, testOutdir } from './support';

jest.setTimeout(900_000);

const START = '2026-03-02T09:00:00Z';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (offsetMs: number): string => new Date(Date.parse(START) + offsetMs).toISOString();

function event(customerId: string, offsetMs: number, name: string): ScenarioEvent {
  return { at: at(offsetMs), customerId, type: 'event', name, properties: {} };
}

it("stays active (welcome's goal) and is not set back to new_customer when prospect-nurture notices the same order later", async () => {
  // Prepare: a lead (prospect-nurture) who signs up (welcome) and places a first order on day 4.
  const scenario = parseScenario(
    {
      start: START,
      until: at(20 * DAY),
      seed: 5,
      journeys: ['welcome', 'prospect-nurture'],
      customers: [reachableCustomer('lead-signs-up-buys', { stage: 'prospect' })],
      events: [
        event('lead-signs-up-buys', HOUR, 'lead_captured'),
        event('lead-signs-up-buys', 2 * HOUR, 'signed_up'),
        event('lead-signs-up-buys', 4 * DAY, 'order_placed'),
      ],
    },
    { knownJourneys: Object.keys(journeys) },
  );

  // Act
  const report = await simulate(scenario, { outdir: testOutdir('same-order-stage') });

  // Assess
  expect(report.customers.find((customer) => customer.id === 'lead-signs-up-buys')?.stage).toBe('active');
});
