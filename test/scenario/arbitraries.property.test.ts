import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { CHANNELS, type Channel, type CustomerSnapshot } from '../../lib/customer/model';
import { decideDelivery } from '../../lib/permission';
import { checkReport, type Violation } from '../../lib/scenario/check-report';
import { scenarioJsonSchema } from '../../lib/scenario/json-schema';
import { summarize, type Report, type ReportMessage } from '../../lib/scenario/report';
import { parseScenario, type Scenario, type ScenarioCustomer } from '../../lib/scenario/scenario';
import { journeys } from '../../workflows';
import { LADDER_JOURNEY } from './fixtures';
import { SCENARIO_ZONES, scenarioArb } from './arbitraries';

const knownJourneys = Object.keys(journeys);

function reportOf(scenario: Scenario, messages: ReportMessage[]): Report {
  return { messages, skipped: [], customers: scenario.customers.map((c) => ({ id: c.id, stage: c.stage })), summary: summarize(messages, []) };
}

describe('scenarioArb', () => {
  it('generates scenarios that parseScenario accepts, for every catalog journey', () => {
    fc.assert(
      fc.property(scenarioArb({ journeys: knownJourneys }), (scenario) => {
        // Act
        const parsed = parseScenario(JSON.parse(JSON.stringify(scenario)), { knownJourneys });

        // Assess
        expect(parsed.customers).toHaveLength(scenario.customers.length);
      }),
      { numRuns: 1000 },
    );
  });

  it('generates scenarios that the published JSON Schema accepts', () => {
    // Prepare
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    const validate = ajv.compile(scenarioJsonSchema());

    fc.assert(
      fc.property(scenarioArb(), (scenario) => {
        // Act
        const valid = validate(JSON.parse(JSON.stringify(scenario)));

        // Assess
        expect(validate.errors ?? []).toEqual([]);
        expect(valid).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('covers DST zones, +05:30, missing contact points, revoked consents, suppressions and every event type', () => {
    // Prepare
    const seen = new Set<string>();

    // Act
    fc.assert(
      fc.property(scenarioArb(), (scenario) => {
        for (const customer of scenario.customers) {
          seen.add(`zone ${customer.timezone}`);
          if (customer.phone === undefined) seen.add('no phone');
          if (customer.email === undefined) seen.add('no email');
          if (customer.consents.some((c) => c.status === 'revoked')) seen.add('revoked');
          if (customer.suppressions !== undefined) seen.add('suppression');
        }
        for (const event of scenario.events) seen.add(`event ${event.type}`);
      }),
      { numRuns: 1000 },
    );

    // Assess
    expect([...seen].sort()).toEqual(
      [
        ...SCENARIO_ZONES.map((zone) => `zone ${zone}`),
        'no phone',
        'no email',
        'revoked',
        'suppression',
        'event event',
        'event consent',
        'event bounce',
        'event complaint',
        'event profile',
      ].sort(),
    );
  });
});

describe('checkReport on generated scenarios', () => {
  it('finds nothing wrong with a report of no messages', () => {
    fc.assert(
      fc.property(scenarioArb({ journeys: knownJourneys }), (scenario) => {
        // Act
        const violations = checkReport(scenario, reportOf(scenario, []));

        // Assess
        expect(violations).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  /**
   * Two independent implementations of rules 1–5 and 7 — the permission gate and the checker —
   * must agree on one message: where the gate sends on a channel, a message there breaks nothing;
   * where the gate defers, a message now on the channel it chose breaks rule 4 or 5, and one on
   * the channel it defers to, at the time it defers to, breaks nothing; where it skips, a message
   * on any of the step's channels breaks some rule.
   */
  it('agrees with the permission gate on single messages', () => {
    const stepArb = fc.record({
      topic: fc.constantFrom('marketing', 'marketing', 'newsletter', 'transactional'),
      channels: fc.shuffledSubarray([...CHANNELS], { minLength: 1 }),
    });
    const caseArb = scenarioArb({ minCustomers: 1, maxCustomers: 1, maxEventsPerCustomer: 0 }).chain((scenario) =>
      fc.record({
        scenario: fc.constant(scenario),
        step: stepArb,
        offset: fc.integer({ min: 0, max: Date.parse(scenario.until) - Date.parse(scenario.start) - 1 }),
        onMinute: fc.boolean(),
      }),
    );

    fc.assert(
      fc.property(caseArb, ({ scenario, step, offset, onMinute }) => {
        // Prepare
        const customer = scenario.customers[0] as ScenarioCustomer;
        const raw = Date.parse(scenario.start) + offset;
        const atMs = onMinute ? raw - (raw % 60_000) : raw;
        const withStep: Scenario = {
          ...scenario,
          journeys: [{ ...LADDER_JOURNEY, nodes: [{ type: 'send', id: 'offer', templateId: 'offer', topic: step.topic, channels: step.channels, next: 'done' }, { type: 'exit', id: 'done' }] }],
        };
        const messageOn = (channel: Channel, at: number): ReportMessage => ({
          customerId: customer.id,
          journey: 'ladder',
          execution: 'ladder-x',
          step: 'offer',
          channel,
          topic: step.topic,
          at: new Date(at).toISOString(),
        });
        const rulesBroken = (channel: Channel, at = atMs): Violation['rule'][] =>
          checkReport(withStep, reportOf(withStep, [messageOn(channel, at)])).map((v) => v.rule);

        // Act
        const decision = decideDelivery(snapshotOf(customer), { topic: step.topic, channels: step.channels }, new Date(atMs));

        // Assess
        if (decision.kind === 'send') {
          expect(rulesBroken(decision.channel)).toEqual([]);
        } else if (decision.kind === 'defer') {
          // The channel chosen now is closed now; the channel deferred to is open at `until`
          // (unless `until` lies past the end of the scenario, where a report holds nothing).
          const chosenNow = decision.evaluations.find((evaluation) => evaluation.verdict === 'chosen');
          expect(chosenNow).toBeDefined();
          if (chosenNow !== undefined) expect(rulesBroken(chosenNow.channel).some((rule) => rule === 4 || rule === 5)).toBe(true);
          if (decision.until.getTime() <= Date.parse(scenario.until)) expect(rulesBroken(decision.channel, decision.until.getTime())).toEqual([]);
        } else {
          for (const channel of step.channels) expect(rulesBroken(channel).length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

/** The store's snapshot of a scenario customer before any event. */
function snapshotOf(customer: ScenarioCustomer): CustomerSnapshot {
  return {
    profile: {
      customerId: customer.id,
      stage: customer.stage,
      timezone: customer.timezone,
      ...(customer.email === undefined ? {} : { email: customer.email }),
      ...(customer.phone === undefined ? {} : { phone: customer.phone }),
      ...(customer.address === undefined ? {} : { address: customer.address }),
      updatedAt: '2026-01-01T00:00:00Z',
    },
    consents: customer.consents,
    preferences: customer.preferences ?? {},
    suppressions: customer.suppressions ?? [],
    attributes: {},
    frequency: { sends: [], version: 0 },
  };
}
