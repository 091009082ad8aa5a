/**
 * Whatever the scenario — customers in DST and half-hour zones, consents granted, revoked or dated
 * later, quiet hours, windows, caps, suppressions, bounces, complaints and profile changes over
 * weeks — the simulator's report passes the independent rules checker. Each run simulates on the
 * real emulators, so the number of runs is modest.
 */
import fc from 'fast-check';
import { checkReport, formatViolation } from '../../lib/scenario';
import { simulate } from '../../lib/simulate/simulate';
import { scenarioArb } from '../scenario/arbitraries';
import { testOutdir } from '../local/support';

jest.setTimeout(1_800_000);

const outdir = testOutdir('simulate-property');

describe('simulated reports', () => {
  it('obey rules 1–8 for generated welcome scenarios', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb({ journeys: ['welcome'], maxCustomers: 5, days: 21 }), async (scenario) => {
        // Act
        const report = await simulate(scenario, { outdir });

        // Assess
        expect(checkReport(scenario, report).map(formatViolation)).toEqual([]);
      }),
      { numRuns: 25 },
    );
  });

  it('obey rules 1–8 for generated scenarios across the event-driven catalog journeys', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenarioArb({ journeys: ['prospect-nurture', 'welcome', 'active-cross-sell', 'loyalty'], maxCustomers: 4, days: 28 }),
        async (scenario) => {
          // Act
          const report = await simulate(scenario, { outdir });

          // Assess
          expect(checkReport(scenario, report).map(formatViolation)).toEqual([]);
        },
      ),
      { numRuns: 15 },
    );
  });
});
