/**
 * `overture results JOURNEY`: what a journey did, step by step. The tally is checked on records
 * made up for each rule (a reservation is the step's answer, else its latest decision), and on
 * the real thing: welcome and win-back simulated on the local runtime, whose per-step results
 * must agree with the simulation's report, built from the same records by other code.
 */
import type { Channel } from '../../lib/customer/model';
import { journeyResults, type JourneyRecords, type JourneyResults, type SendStepResults } from '../../lib/local/journey-results';
import type { LocalRuntime } from '../../lib/local/runtime';
import { parseScenario, type Report, type ScenarioInput } from '../../lib/scenario';
import { simulate } from '../../lib/simulate/simulate';
import type { DecisionRecord, SendEntry } from '../../lib/store/records';
import { journeys } from '../../workflows';
import { reachableCustomer, testOutdir, winBackCustomer } from './support';

jest.setTimeout(600_000);

const welcome = journeys.welcome;
if (welcome === undefined) throw new Error('the catalog has no welcome journey');

function ledgerEntry(execution: string, step: string, status: SendEntry['status'], channel: Channel = 'email'): SendEntry {
  return {
    customerId: 'c-1',
    idempotencyKey: `${execution}/${step}`,
    journey: 'welcome',
    step,
    execution,
    channel,
    topic: 'marketing',
    status,
    reservedAt: '2026-03-02T10:00:00.000Z',
    countedInCap: true,
  };
}

function decision(execution: string, step: string, at: string, outcome: DecisionRecord['outcome'], reason?: string): DecisionRecord {
  return {
    execution,
    journey: 'welcome',
    step,
    at,
    outcome,
    ...(reason === undefined ? {} : { reason }),
    ...(outcome === 'deferred' ? { channel: 'email' as const, until: '2026-03-03T08:00:00.000Z' } : {}),
    ...(outcome === 'sent' ? { channel: 'email' as const } : {}),
  };
}

function resultsOf(records: Partial<JourneyRecords>): Map<string, SendStepResults> {
  const results = journeyResults(welcome as NonNullable<typeof welcome>, { RUNNING: 3 }, { sends: [], decisions: [], endings: [], failures: [], ...records });
  return new Map(results.steps.map((step) => [step.step, step]));
}

describe('journeyResults', () => {
  it('counts a step by its send-ledger entry, whatever was decided around it', () => {
    // Act
    const steps = resultsOf({
      sends: [ledgerEntry('e-1', 'welcome-email', 'sent', 'sms'), ledgerEntry('e-2', 'welcome-email', 'unknown'), ledgerEntry('e-3', 'welcome-email', 'failed'), ledgerEntry('e-4', 'welcome-email', 'pending')],
      decisions: [decision('e-1', 'welcome-email', '2026-03-02T10:00:00.000Z', 'deferred'), decision('e-2', 'welcome-email', '2026-03-02T11:00:00.000Z', 'skipped', 'no_consent')],
    });

    // Assess
    expect(steps.get('welcome-email')).toEqual({ step: 'welcome-email', reached: 4, sent: { sms: 1 }, skipped: {}, deferred: 0, pending: 1, unknown: 1, failed: 1, failedAfterRetries: {} });
  });

  it('counts a step that failed after its retries by its error, ending a deferral before it, and not over a reservation', () => {
    // Act: e-1 was deferred to a send slot, then failed; e-2 failed on its first run; e-3 reserved,
    // then failed marking the message sent (it may have gone out: the reservation is the answer).
    const failure = (execution: string, error: string) => ({ record: 'sendFailed' as const, execution, step: 'welcome-email', error });
    const steps = resultsOf({
      sends: [ledgerEntry('e-3', 'welcome-email', 'pending')],
      decisions: [decision('e-1', 'welcome-email', '2026-03-02T10:00:00.000Z', 'deferred', 'rate_limited')],
      failures: [failure('e-1', 'ProviderThrottledError'), failure('e-2', 'ProviderThrottledError'), failure('e-3', 'CustomerStoreError')],
    });

    // Assess
    expect(steps.get('welcome-email')).toMatchObject({ reached: 3, deferred: 0, pending: 1, failedAfterRetries: { ProviderThrottledError: 2 } });
  });

  it('counts a step with no reservation by its latest decision; at one instant a skip ends a deferral', () => {
    // Act
    const steps = resultsOf({
      decisions: [
        decision('e-1', 'tips-email', '2026-03-02T10:00:00.000Z', 'deferred'),
        decision('e-1', 'tips-email', '2026-03-03T08:00:00.000Z', 'skipped', 'frequency_capped'),
        decision('e-2', 'tips-email', '2026-03-02T10:00:00.000Z', 'deferred'),
        decision('e-3', 'tips-email', '2026-03-02T10:00:00.000Z', 'skipped', 'suppressed'),
        decision('e-3', 'tips-email', '2026-03-02T10:00:00.000Z', 'deferred'),
      ],
    });

    // Assess
    expect(steps.get('tips-email')).toMatchObject({ reached: 3, sent: {}, skipped: { frequency_capped: 1, suppressed: 1 }, deferred: 1 });
  });

  it('lists every send step of the journey in its order, reached or not, then steps it no longer has', () => {
    // Act
    const results = journeyResults(welcome as NonNullable<typeof welcome>, {}, { sends: [ledgerEntry('e-1', 'retired-step', 'sent')], decisions: [], endings: [], failures: [] });

    // Assess
    expect(results.steps.map((step) => [step.step, step.reached])).toEqual([
      ['welcome-email', 0],
      ['tips-email', 0],
      ['first-purchase-nudge', 0],
      ['retired-step', 1],
    ]);
  });

  it('groups the endings by step, kind and reason, most frequent first', () => {
    // Act
    const results = journeyResults(welcome as NonNullable<typeof welcome>, {}, {
      sends: [],
      decisions: [],
      failures: [],
      endings: [
        { record: 'goal', execution: 'e-1', step: 'ordered', event: 'order_placed' },
        { record: 'exit', execution: 'e-2', step: 'no-order', reason: 'completed' },
        { record: 'exit', execution: 'e-3', step: 'no-order', reason: 'completed' },
      ],
    });

    // Assess
    expect(results.endings).toEqual([
      { step: 'no-order', kind: 'exit', reason: 'completed', count: 2 },
      { step: 'ordered', kind: 'goal', reason: 'order_placed', count: 1 },
    ]);
  });
});

describe('results of journeys run on the local runtime', () => {
  const START = '2026-03-02T09:00:00Z';
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  const at = (offsetMs: number): string => new Date(Date.parse(START) + offsetMs).toISOString();
  const treated = winBackCustomer(false, 'r');
  const heldOut = winBackCustomer(true, 'r');

  const customer = (id: string, extra: Partial<ScenarioInput['customers'][number]> = {}): ScenarioInput['customers'][number] =>
    reachableCustomer(id, { stage: 'prospect', ...extra });
  const lapsed = { stage: 'active' as const, attributes: { 'lastEvent.order_placed': at(-95 * DAY) } };
  const scenario = parseScenario(
    {
      start: START,
      until: at(40 * DAY),
      seed: 3,
      journeys: ['welcome', 'win-back'],
      customers: [
        customer('w-granted'),
        customer('w-orders'),
        customer('w-revoked', { consents: [{ channel: 'email', topic: 'marketing', status: 'revoked', at: '2026-03-01T00:00:00Z', source: 'web-form' }] }),
        customer('w-bounced'),
        customer('w-no-email', { email: undefined }),
        customer('w-texts-only', { preferences: { channels: ['sms'] } }),
        customer(treated, lapsed),
        customer(heldOut, lapsed),
      ],
      events: [
        ...['w-granted', 'w-orders', 'w-revoked', 'w-bounced', 'w-no-email', 'w-texts-only'].map((id) => ({ at: at(HOUR), customerId: id, type: 'event' as const, name: 'signed_up', properties: {} })),
        { at: at(30 * 60_000), customerId: 'w-bounced', type: 'bounce', channel: 'email', kind: 'hard' },
        { at: at(3 * DAY), customerId: 'w-orders', type: 'event', name: 'order_placed', properties: {} },
        { at: at(10 * DAY), customerId: heldOut, type: 'event', name: 'order_placed', properties: {} },
      ],
    },
    { knownJourneys: Object.keys(journeys) },
  );
  let report: Report;
  const results = new Map<string, JourneyResults>();

  async function journeyResultsOf(runtime: LocalRuntime, journey: string): Promise<JourneyResults> {
    const answer = await runtime.journeyResults(journey);
    if (answer === undefined) throw new Error(`the runtime runs no ${journey}`);
    return answer;
  }

  beforeAll(async () => {
    report = await simulate(scenario, {
      outdir: testOutdir('journey-results'),
      inspect: async (runtime) => {
        for (const journey of ['welcome', 'win-back']) results.set(journey, await journeyResultsOf(runtime, journey));
      },
    });
  });

  it('counts, for every send step, the messages and skips the simulation reported', () => {
    for (const [journey, answer] of results) {
      for (const step of answer.steps) {
        // Prepare: the report's messages by channel and skips by reason for the step.
        const sent: Partial<Record<Channel, number>> = {};
        const skipped: Record<string, number> = {};
        for (const message of report.messages) if (message.journey === journey && message.step === step.step) sent[message.channel] = (sent[message.channel] ?? 0) + 1;
        for (const skip of report.skipped) if (skip.journey === journey && skip.step === step.step) skipped[skip.reason] = (skipped[skip.reason] ?? 0) + 1;

        // Assess
        const reported = Object.values(sent).reduce((sum, count) => sum + count, 0) + Object.values(skipped).reduce((sum, count) => sum + count, 0);
        expect({ journey, ...step }).toEqual({ journey, step: step.step, reached: reported, sent, skipped, deferred: 0, pending: 0, unknown: 0, failed: 0, failedAfterRetries: {} });
      }
    }
  });

  it('tells each reason a welcome step sent nothing, and how the executions ended: one at the goal', () => {
    // Assess
    expect(results.get('welcome')?.steps.find((step) => step.step === 'welcome-email')).toMatchObject({
      reached: 6,
      sent: { email: 2 },
      skipped: { no_consent: 1, suppressed: 1, unreachable: 1, not_preferred: 1 },
    });
    expect(results.get('welcome')?.executions).toEqual({ SUCCEEDED: 6 });
    expect(results.get('welcome')?.endings).toEqual([
      { step: 'end', kind: 'exit', reason: 'completed', count: 5 },
      { step: 'goal', kind: 'goal', reason: 'order_placed', count: 1 },
    ]);
  });

  it('sets the held-out customers of win-back apart by the exit they took: one came back with no message', () => {
    // Assess
    const winBack = results.get('win-back');
    expect(winBack?.steps.find((step) => step.step === 'win-back-email')).toMatchObject({ reached: 1, sent: { email: 1 } });
    expect(winBack?.endings).toEqual([{ step: 'held-out-returned', kind: 'exit', reason: 'holdout_returned', count: 1 }]);
  });
});
