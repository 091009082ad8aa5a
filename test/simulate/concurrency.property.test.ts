/**
 * How many work items the simulator runs at once changes how fast it runs, never what it reports:
 * a customer's items keep their order and never overlap, and work across customers runs alone
 * (SimulateOptions.concurrency). The benchmark runs at the default concurrency, the contract's
 * byte-identical reports at any: the same generated scenario, one item at a time and
 * DEFAULT_SIMULATE_CONCURRENCY at once, gives the same report.
 */
import fc from 'fast-check';
import type { Scenario } from '../../lib/scenario';
import { DEFAULT_SIMULATE_CONCURRENCY, simulate } from '../../lib/simulate/simulate';
import { scenarioArb } from '../scenario/arbitraries';
import { testOutdir } from '../local/support';

jest.setTimeout(1_800_000);

const outdir = testOutdir('simulate-concurrency');

/**
 * The scenario with every event moved to the start of its day (UTC), kept in its order: a
 * customer's events then come at one instant, where only the order of their items keeps what one
 * event changed ahead of what the next decides.
 */
function stacked(scenario: Scenario): Scenario {
  const startMs = Date.parse(scenario.start);
  const dayOf = (at: string): string => {
    const day = Math.floor(Date.parse(at) / 86_400_000) * 86_400_000;
    return new Date(Math.max(day, startMs)).toISOString();
  };
  return { ...scenario, events: scenario.events.map((event) => ({ ...event, at: dayOf(event.at) })) };
}

it('reports the same for a scenario simulated one work item at a time and DEFAULT_SIMULATE_CONCURRENCY at once', async () => {
  await fc.assert(
    fc.asyncProperty(scenarioArb({ journeys: ['welcome', 'active-cross-sell', 'win-back'], minCustomers: 4, maxCustomers: 10, days: 21 }).map(stacked), async (scenario) => {
      fc.pre(scenario.events.length > 0);

      // Act
      const alone = await simulate(scenario, { outdir, concurrency: 1 });
      const together = await simulate(scenario, { outdir, concurrency: DEFAULT_SIMULATE_CONCURRENCY });

      // Assess
      expect(JSON.stringify(together)).toBe(JSON.stringify(alone));
    }),
    { numRuns: 3 },
  );
});
