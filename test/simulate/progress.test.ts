/**
 * The progress lines of `overture simulate` read as English for one of a thing: "1 customer", not
 * "1 customers".
 */
import { parseScenario } from '../../lib/scenario';
import { simulate } from '../../lib/simulate/simulate';
import { journeys } from '../../workflows';
import { reachableCustomer, testOutdir } from '../local/support';

jest.setTimeout(300_000);

describe('simulate progress', () => {
  it('counts one customer in the singular', async () => {
    // Prepare
    const scenario = parseScenario(
      { start: '2026-03-02T09:00:00Z', until: '2026-03-03T09:00:00Z', seed: 1, journeys: ['welcome'], customers: [reachableCustomer('solo')], events: [] },
      { knownJourneys: Object.keys(journeys) },
    );
    const lines: string[] = [];

    // Act
    await simulate(scenario, { outdir: testOutdir('simulate-progress'), progress: (line) => lines.push(line) });

    // Assess
    expect(lines[0]).toBe('synthesizing and starting the local stack for 1 customer');
    expect(lines.filter((line) => line.startsWith('virtual time ')).every((line) => /, (1 send step|\d+ send steps) run$/.test(line))).toBe(true);
  });
});
