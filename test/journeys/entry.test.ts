import type { CustomerSnapshot } from '../../lib/customer/model';
import { entryConditionsOf, meetsEntryConditions, TriggerSchema, type Trigger } from '../../lib/journeys/entry';
import { eventsNamedBy } from '../../lib/ingest/journey-routes';
import { attribute, defineJourney, eventWithin, exit, onEvent, reEntry, stageIn } from '../../workflows/builder';

const NOW = new Date('2026-03-02T14:00:00Z');

function customer(stage: CustomerSnapshot['profile']['stage'], tier?: string): CustomerSnapshot {
  return {
    profile: { customerId: 'c-001', stage, timezone: 'UTC', updatedAt: '2026-03-01T00:00:00Z' },
    consents: [],
    preferences: {},
    suppressions: [],
    attributes: tier === undefined ? {} : { tier: { value: tier, changedAt: '2026-03-02T13:00:00Z' } },
    frequency: { sends: [], version: 0 },
  };
}

describe('entry conditions', () => {
  it('lets a customer in only when every condition of the event entry holds', () => {
    // Prepare
    const { trigger } = onEvent(['tier_changed'], reEntry.afterDays(365), { when: [attribute('tier', 'in', ['gold', 'platinum']), stageIn('active', 'loyal')] });

    // Act
    const outcomes = [customer('active', 'gold'), customer('active', 'silver'), customer('prospect', 'gold'), customer('active')].map((snapshot) =>
      meetsEntryConditions(trigger, snapshot, NOW),
    );

    // Assess
    expect(outcomes).toEqual([true, false, false, false]);
  });

  it('lets every customer into an entry without conditions', () => {
    // Prepare
    const triggers: Trigger[] = [onEvent(['signed_up'], reEntry.never).trigger, { kind: 'audience' }, { kind: 'inactivity', event: 'order_placed', days: 90 }];

    // Act
    const outcomes = triggers.map((trigger) => [entryConditionsOf(trigger), meetsEntryConditions(trigger, customer('prospect'), NOW)]);

    // Assess
    expect(outcomes).toEqual([
      [[], true],
      [[], true],
      [[], true],
    ]);
  });

  it('refuses a when on a trigger whose audience the marketer or the trigger chooses', () => {
    // Prepare
    const when = [{ kind: 'stage', in: ['active'] }];

    // Act
    const parsed = [{ kind: 'audience', when }, { kind: 'schedule', expression: 'rate(7 days)', when }, { kind: 'inactivity', event: 'order_placed', days: 90, when }].map(
      (trigger) => TriggerSchema.safeParse(trigger).success,
    );

    // Assess
    expect(parsed).toEqual([false, false, false]);
  });

  it('has the bus route the events an entry condition reads, as it does a branch condition\'s', () => {
    // Prepare
    const journey = defineJourney({
      id: 'demo',
      name: 'Demo',
      entry: onEvent(['order_placed'], reEntry.always, { when: eventWithin('store_visit', { days: 30 }) }),
      steps: [exit('done')],
    });

    // Act
    const names = eventsNamedBy([journey]);

    // Assess
    expect(names).toEqual(['order_placed', 'store_visit']);
  });
});
