/**
 * A customer whom win-back entered, who ordered again and lapsed again while its re-entry rule
 * (again after 180 days) still kept them out, enters win-back again at the daily scan after the
 * rule lets them in, if they are still lapsed then; the whole simulation, its daily scans and
 * launches on the local emulators.
 */
import { parseScenario } from '../../lib/scenario';
import { simulate } from '../../lib/simulate/simulate';
import { journeys } from '../../workflows';
import { reachableCustomer, testOutdir, winBackCustomer } from '../local/support';

jest.setTimeout(600_000);

const START = Date.parse('2026-03-02T09:00:00Z');
const DAY = 86_400_000;

/** A win-back customer (not held out) who last ordered 95 days before start: entered at the first scan. */
function lapsedCustomer(prefix: string): ReturnType<typeof reachableCustomer> {
  return reachableCustomer(winBackCustomer(false, prefix), { attributes: { 'lastEvent.order_placed': new Date(START - 95 * DAY).toISOString() } });
}

/** An order of `customerId` on `day` days after start. */
function order(customerId: string, day: number): { at: string; customerId: string; type: 'event'; name: string; properties: Record<string, never> } {
  return { at: new Date(START + day * DAY).toISOString(), customerId, type: 'event', name: 'order_placed', properties: {} };
}

describe('simulate win-back for a customer who lapses again within 180 days of their entry', () => {
  it('enters them again the day after the 180 days are over, unless they ordered since, and nobody twice within 180 days', async () => {
    // Prepare: all three enter at the first scan (day 1, 03:00). `lapsed-again` orders on day 30,
    // lapses on day 120 (refused: 180 days not over) and is still lapsed on day 181; `came-back`
    // does the same but orders again on day 170; `never-came-back` never orders.
    const lapsedAgain = lapsedCustomer('again');
    const cameBack = lapsedCustomer('back');
    const neverCameBack = lapsedCustomer('never');
    const scenario = parseScenario(
      {
        start: new Date(START).toISOString(),
        until: new Date(START + 184 * DAY).toISOString(),
        seed: 5,
        journeys: ['win-back'],
        customers: [lapsedAgain, cameBack, neverCameBack],
        events: [order(lapsedAgain.id, 30), order(cameBack.id, 30), order(cameBack.id, 170)],
      },
      { knownJourneys: Object.keys(journeys) },
    );

    // Act
    const report = await simulate(scenario, { outdir: testOutdir('simulate-win-back-reentry') });

    // Assess
    const emailed = report.messages.filter((message) => message.journey === 'win-back' && message.step === 'win-back-email');
    const emailsOf = (id: string) => emailed.filter((message) => message.customerId === id).map((message) => message.at.slice(0, 10));
    expect(emailsOf(lapsedAgain.id)).toEqual(['2026-03-03', '2026-08-31']);
    expect(emailsOf(cameBack.id)).toEqual(['2026-03-03']);
    expect(emailsOf(neverCameBack.id)).toEqual(['2026-03-03']);
  });
});
