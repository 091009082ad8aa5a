/**
 * A scenario's customers who last ordered long before `start` enter win-back at the first
 * inactivity scan, as customers just 90 days lapsed do: the daily scan looks back only a week past
 * 90 days, and in a simulation there are no earlier scans that would have found them.
 */
import { parseScenario } from '../../lib/scenario';
import { simulate } from '../../lib/simulate/simulate';
import { journeys } from '../../workflows';
import { reachableCustomer, testOutdir, winBackCustomer } from '../local/support';

jest.setTimeout(300_000);

const START = Date.parse('2026-03-02T09:00:00Z');
const DAY = 86_400_000;

/** A win-back customer (not held out) whose last order was `daysBefore` days before start. */
function lapsedCustomer(prefix: string, daysBefore: number): ReturnType<typeof reachableCustomer> {
  return reachableCustomer(winBackCustomer(false, prefix), { attributes: { 'lastEvent.order_placed': new Date(START - daysBefore * DAY).toISOString() } });
}

describe('simulate with customers lapsed before the scenario began', () => {
  it('enters win-back at the first scan customers lapsed 95, 120 and 1,000 days, each with its email', async () => {
    // Prepare
    const customers = [lapsedCustomer('recent', 95), lapsedCustomer('long', 120), lapsedCustomer('ages', 1000)];
    const scenario = parseScenario(
      { start: new Date(START).toISOString(), until: new Date(START + 3 * DAY).toISOString(), seed: 11, journeys: ['win-back'], customers, events: [] },
      { knownJourneys: Object.keys(journeys) },
    );

    // Act
    const report = await simulate(scenario, { outdir: testOutdir('simulate-lapse-catch-up') });

    // Assess
    const emailed = report.messages.filter((message) => message.journey === 'win-back' && message.step === 'win-back-email');
    expect(emailed.map((message) => message.customerId).sort()).toEqual(customers.map((customer) => customer.id).sort());
    expect(new Set(emailed.map((message) => message.at.slice(0, 10))).size).toBe(1);
    expect(report.customers.map((customer) => customer.stage)).toEqual(['lapsed', 'lapsed', 'lapsed']);
  });
});
