/**
 * Every event of a scenario takes part in the run: one whose properties cannot all be attributes
 * still plays, and work that fails fails the simulation instead of leaving the report without it.
 */
import { parseScenario, type Scenario } from '../../lib/scenario';
import { simulate } from '../../lib/simulate/simulate';
import { journeys } from '../../workflows';
import { testOutdir } from '../local/support';
import { sharedScenarioJson } from '../scenario/fixtures';

jest.setTimeout(300_000);

const outdir = testOutdir('simulate-scenario-events');

/** The shared scenario with `properties` on c-001's sign-up. */
function signUpWithProperties(properties: Record<string, unknown>): Scenario {
  const json = sharedScenarioJson() as { events: Array<Record<string, unknown>> };
  json.events = json.events.map((event) => (event.customerId === 'c-001' && event.type === 'event' ? { ...event, properties } : event));
  return parseScenario(json, { knownJourneys: Object.keys(journeys) });
}

describe('simulate with a customer event whose properties cannot all be attributes', () => {
  it('plays the event: the journey it enters sends, and the other properties become attributes', async () => {
    // Prepare
    const scenario = signUpWithProperties({ ['p'.repeat(129)]: 'kept out', tier: 'gold' });
    let tier: unknown;

    // Act
    const report = await simulate(scenario, {
      outdir,
      inspect: async (runtime) => {
        tier = (await runtime.store.requireSnapshot('c-001')).attributes.tier?.value;
      },
    });

    // Assess
    expect(report.messages.filter((message) => message.customerId === 'c-001').map((message) => message.step)).toContain('welcome-email');
    expect(tier).toBe('gold');
  });
});

describe('simulate when scheduled work fails', () => {
  it('fails, naming the work and the virtual time, instead of reporting a run without it', async () => {
    // Prepare
    const scenario = signUpWithProperties({});
    const at = Date.parse('2026-03-03T00:00:00Z');

    // Act
    const run = simulate(scenario, {
      outdir,
      onStart: (runtime) =>
        runtime.schedule({
          at,
          order: ['c-001', 0],
          key: 'c-001',
          run: () => Promise.reject(new Error('the store refused the write')),
        }),
    });

    // Assess
    await expect(run).rejects.toThrow('work of c-001 failed at virtual time 2026-03-03T00:00:00Z, so the report would leave it out: the store refused the write');
  });
});

describe('simulate with a first name too long for an email subject', () => {
  it('sends the welcome email with the name left out of its subject, as texts leave it out, rather than skipping it as message_invalid', async () => {
    // Prepare: a first name so long that the welcome subject with it would pass the 998 characters
    // an email subject may take (the name is optional: the subject reads well without it).
    const json = sharedScenarioJson() as { customers: Array<Record<string, unknown>> };
    json.customers = json.customers.map((customer) => (customer.id === 'c-001' ? { ...customer, attributes: { firstName: 'A'.repeat(1700) } } : customer));
    const scenario = parseScenario(json, { knownJourneys: Object.keys(journeys) });

    // Act
    const report = await simulate(scenario, { outdir });

    // Assess
    expect(report.messages.filter((message) => message.customerId === 'c-001').map((message) => message.step)).toContain('welcome-email');
    expect(report.skipped.filter((skip) => skip.customerId === 'c-001' && skip.reason === 'message_invalid')).toEqual([]);
  });
});
