/**
 * fast-check generators of simulation scenarios, for property tests that run the simulator and
 * judge its report with `checkReport`: customers in DST zones and +05:30, with and without each
 * contact point, consents granted, revoked, missing or dated later, preferences with wrapped quiet
 * hours, windows and caps, listed suppressions; and events of every type over a few weeks that
 * start near a DST change.
 *
 * Records that change permission (consent, bounce, complaint, profile events, and the customers'
 * own consents and suppressions) are dated on seconds 1–59 of a minute, while customer events are
 * dated on whole minutes, and journeys send on whole minutes; so no record shares its instant with
 * a message, and the report does not depend on how a simulator orders simultaneous things. (The
 * hand-written checker tests cover records exactly at a message's instant.)
 */
import fc from 'fast-check';
import {
  CHANNELS,
  LIFECYCLE_STAGES,
  type Channel,
  type DailySpan,
  type PostalAddress,
  type Preferences,
} from '../../lib/customer/model';
import type { ProfileChanges, Scenario, ScenarioConsent, ScenarioCustomer, ScenarioEvent } from '../../lib/scenario/scenario';
import { journeys as catalog } from '../../workflows';

/** Zones with DST in both hemispheres, half-hour offsets, and none at all. */
export const SCENARIO_ZONES = [
  'America/New_York',
  'Europe/London',
  'Asia/Kolkata',
  'America/Los_Angeles',
  'Australia/Sydney',
  'Asia/Tokyo',
  'UTC',
] as const;

/** Starts a few days before the 2026 DST changes of New York and London, and two without one. */
export const SCENARIO_STARTS = [
  '2026-03-05T09:00:00Z',
  '2026-03-26T22:00:00Z',
  '2026-10-22T13:00:00Z',
  '2026-10-29T05:00:00Z',
  '2026-06-01T00:00:00Z',
  '2026-01-12T16:30:00Z',
] as const;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

const SOME_ADDRESS: PostalAddress = { line1: '1 Main St', city: 'Springfield', postalCode: '01101', country: 'US' };

/** What to generate. */
export interface ScenarioArbitraryOptions {
  /** Catalog journey ids the scenario runs; `['welcome']` by default. */
  readonly journeys?: readonly string[];
  /** Customer event names to send; by default every event those catalog journeys start on or wait for. */
  readonly eventNames?: readonly string[];
  /** Number of customers; 1–6 by default. */
  readonly minCustomers?: number;
  readonly maxCustomers?: number;
  /** Events per customer at most; 6 by default. */
  readonly maxEventsPerCustomer?: number;
  /** Length of the scenario in days; 21 by default. */
  readonly days?: number;
}

/** The customer events a catalog journey starts on, waits for, or ends at (its goal). */
export function eventNamesOf(journeyIds: readonly string[]): string[] {
  const names = new Set<string>();
  for (const id of journeyIds) {
    const journey = catalog[id];
    if (journey === undefined) continue;
    if (journey.entry.trigger.kind === 'event') journey.entry.trigger.events.forEach((name) => names.add(name));
    for (const node of journey.nodes) {
      if (node.type === 'waitForEvent' || node.type === 'goal') names.add(node.event);
    }
  }
  return [...names].sort();
}

const timeOfDayArb = fc
  .oneof(
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 1439 }) },
    // Midnight, the DST changes' small hours, the SMS legal bounds and common evening hours.
    { weight: 3, arbitrary: fc.constantFrom(0, 60, 120, 150, 180, 420, 480, 540, 1020, 1080, 1200, 1260, 1320) },
  )
  .map((minutes) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`);

const dailySpanArb: fc.Arbitrary<DailySpan> = fc
  .tuple(timeOfDayArb, timeOfDayArb)
  .map(([start, end]) => ({ start, end: start === end ? (start === '23:00' ? '01:00' : '23:00') : end }));

const quietHoursArb = fc.oneof(
  { weight: 3, arbitrary: fc.record({ start: fc.constantFrom('20:00', '21:00', '22:00'), end: fc.constantFrom('07:00', '08:00', '09:30') }) },
  { weight: 1, arbitrary: dailySpanArb },
);

const preferredWindowArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom({ start: '09:00', end: '12:00' }, { start: '17:00', end: '20:00' }, { start: '18:00', end: '21:00' }, { start: '01:30', end: '03:30' }) },
  { weight: 1, arbitrary: dailySpanArb },
);

/** Preferences with each part present or not; sometimes none at all. */
export const preferencesArb: fc.Arbitrary<Preferences> = fc
  .record({
    channels: fc.option(fc.shuffledSubarray([...CHANNELS], { minLength: 1 }), { nil: undefined, freq: 2 }),
    quietHours: fc.option(quietHoursArb, { nil: undefined, freq: 2 }),
    preferredWindow: fc.option(preferredWindowArb, { nil: undefined, freq: 2 }),
    maxPerWeek: fc.option(fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 5, arbitrary: fc.integer({ min: 1, max: 4 }) }), { nil: undefined }),
  })
  .map((preferences) => Object.fromEntries(Object.entries(preferences).filter(([, value]) => value !== undefined)) as Preferences);

/** True `percent` times out of 100. */
const chance = (percent: number): fc.Arbitrary<boolean> => fc.integer({ min: 0, max: 99 }).map((roll) => roll < percent);

/** An instant `offsetMs` after `startMs`, moved to second 1–59 of its minute. */
function recordInstant(startMs: number, offsetMs: number, second: number): string {
  const minute = startMs + offsetMs - ((startMs + offsetMs) % MINUTE);
  return new Date(minute + second * SECOND).toISOString();
}

/** An instant on the whole minute `offsetMs` (rounded down) after `startMs`. */
function eventInstant(startMs: number, offsetMs: number): string {
  const at = startMs + offsetMs;
  return new Date(at - (at % MINUTE)).toISOString();
}

const secondArb = fc.integer({ min: 1, max: 59 });

function customerArb(id: string, startMs: number, lengthMs: number): fc.Arbitrary<ScenarioCustomer> {
  // Consents mostly before the start, some during the run (a record "from the future" at start).
  const consentOffsetArb = fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: -60 * DAY, max: -MINUTE }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: lengthMs - MINUTE }) },
  );
  const consentArb = (channel: Channel): fc.Arbitrary<ScenarioConsent[]> =>
    fc
      .record({
        present: chance(80),
        granted: chance(80),
        offset: consentOffsetArb,
        second: secondArb,
        newsletter: chance(15),
      })
      .map(({ present, granted, offset, second, newsletter }) => {
        if (!present) return [];
        const at = recordInstant(startMs, offset, second);
        const status = granted ? ('granted' as const) : ('revoked' as const);
        const consents: ScenarioConsent[] = [{ channel, topic: 'marketing', status, at, source: 'web-form' }];
        if (newsletter) consents.push({ channel, topic: 'newsletter', status: 'granted', at, source: 'web-form' });
        return consents;
      });
  const suppressionArb = (channel: Channel) =>
    fc
      .record({ present: chance(8), offset: consentOffsetArb, second: secondArb })
      .map(({ present, offset, second }) => (present ? [{ channel, reason: 'carrier_blocked', at: recordInstant(startMs, offset, second) }] : []));

  return fc
    .record({
      stage: fc.constantFrom(...LIFECYCLE_STAGES),
      timezone: fc.constantFrom(...SCENARIO_ZONES),
      hasEmail: chance(85),
      hasPhone: chance(75),
      hasAddress: chance(60),
      attributes: fc.option(
        fc.record({ tier: fc.constantFrom('standard', 'gold'), interests: fc.subarray(['running', 'cycling', 'swimming']) }),
        { nil: undefined },
      ),
      consents: fc.tuple(...CHANNELS.map(consentArb)),
      preferences: fc.option(preferencesArb, { nil: undefined, freq: 4 }),
      suppressions: fc.tuple(...CHANNELS.map(suppressionArb)),
    })
    .map((generated) => {
      const suppressions = generated.suppressions.flat();
      return {
        id,
        stage: generated.stage,
        timezone: generated.timezone,
        ...(generated.hasEmail ? { email: `${id}@example.com` } : {}),
        ...(generated.hasPhone ? { phone: `+1212555${id.replace(/\D/g, '').padStart(4, '0').slice(-4)}` } : {}),
        ...(generated.hasAddress ? { address: SOME_ADDRESS } : {}),
        ...(generated.attributes === undefined ? {} : { attributes: generated.attributes }),
        consents: generated.consents.flat(),
        ...(generated.preferences === undefined ? {} : { preferences: generated.preferences }),
        ...(suppressions.length === 0 ? {} : { suppressions }),
      };
    });
}

const profileChangesArb: fc.Arbitrary<ProfileChanges> = fc.oneof(
  fc.record({ preferences: preferencesArb }),
  fc.record({ timezone: fc.constantFrom(...SCENARIO_ZONES) }),
  fc.constant({ email: null }),
  fc.constant({ phone: null }),
  fc.constant({ phone: '+447946095800' }),
  fc.record({ attributes: fc.record({ tier: fc.constantFrom('standard', 'gold') }) }),
);

function eventsArb(customerId: string, startMs: number, lengthMs: number, eventNames: readonly string[], maxEvents: number): fc.Arbitrary<ScenarioEvent[]> {
  const offsetArb = fc.integer({ min: 0, max: lengthMs - MINUTE });
  const channelArb = fc.constantFrom(...CHANNELS);
  const eventArb: fc.Arbitrary<ScenarioEvent> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({ offset: offsetArb, name: fc.constantFrom(...eventNames) }).map(({ offset, name }) => ({
        at: eventInstant(startMs, offset),
        customerId,
        type: 'event' as const,
        name,
        properties: {},
      })),
    },
    {
      weight: 3,
      arbitrary: fc.record({ offset: offsetArb, second: secondArb, channel: channelArb, granted: chance(40) }).map(({ offset, second, channel, granted }) => ({
        at: recordInstant(startMs, offset, second),
        customerId,
        type: 'consent' as const,
        channel,
        topic: 'marketing',
        status: granted ? ('granted' as const) : ('revoked' as const),
        source: granted ? 'preference-centre' : 'one-click-unsubscribe',
      })),
    },
    {
      weight: 2,
      arbitrary: fc.record({ offset: offsetArb, second: secondArb, channel: channelArb, hard: chance(50) }).map(({ offset, second, channel, hard }) => ({
        at: recordInstant(startMs, offset, second),
        customerId,
        type: 'bounce' as const,
        channel,
        kind: hard ? ('hard' as const) : ('soft' as const),
      })),
    },
    {
      weight: 1,
      arbitrary: fc.record({ offset: offsetArb, second: secondArb, channel: channelArb }).map(({ offset, second, channel }) => ({
        at: recordInstant(startMs, offset, second),
        customerId,
        type: 'complaint' as const,
        channel,
      })),
    },
    {
      weight: 2,
      arbitrary: fc.record({ offset: offsetArb, second: secondArb, changes: profileChangesArb }).map(({ offset, second, changes }) => ({
        at: recordInstant(startMs, offset, second),
        customerId,
        type: 'profile' as const,
        changes,
      })),
    },
  );
  // Most customers enter a journey early: one of the first events is usually a trigger.
  const entryArb = fc.option(
    fc.record({ offset: fc.integer({ min: 0, max: Math.min(lengthMs - MINUTE, 2 * DAY) }), name: fc.constantFrom(...eventNames) }).map(
      ({ offset, name }): ScenarioEvent => ({ at: eventInstant(startMs, offset), customerId, type: 'event', name, properties: {} }),
    ),
    { nil: undefined, freq: 5 },
  );
  return fc
    .tuple(entryArb, fc.array(eventArb, { maxLength: maxEvents }))
    .map(([entry, rest]) => (entry === undefined ? rest : [entry, ...rest]));
}

/**
 * A valid scenario (it passes `parseScenario` with the catalog's journey ids) of the given catalog
 * journeys. Events are listed customer by customer, not in time order, as a file might hold them.
 */
export function scenarioArb(options: ScenarioArbitraryOptions = {}): fc.Arbitrary<Scenario> {
  const journeyIds = options.journeys ?? ['welcome'];
  const eventNames = options.eventNames ?? eventNamesOf(journeyIds);
  if (eventNames.length === 0) throw new Error(`scenarioArb: journeys ${journeyIds.join(', ')} react to no customer event; pass eventNames`);
  const lengthMs = (options.days ?? 21) * DAY;
  const minCustomers = options.minCustomers ?? 1;
  const maxCustomers = options.maxCustomers ?? 6;
  const maxEvents = options.maxEventsPerCustomer ?? 6;

  return fc
    .record({ start: fc.constantFrom(...SCENARIO_STARTS), count: fc.integer({ min: minCustomers, max: maxCustomers }), seed: fc.integer({ min: 0, max: 2 ** 31 }) })
    .chain(({ start, count, seed }) => {
      const startMs = Date.parse(start);
      const ids = Array.from({ length: count }, (_, index) => `c-${String(index + 1).padStart(3, '0')}`);
      return fc
        .tuple(
          fc.tuple(...ids.map((id) => customerArb(id, startMs, lengthMs))),
          fc.tuple(...ids.map((id) => eventsArb(id, startMs, lengthMs, eventNames, maxEvents))),
        )
        .map(([customers, events]) => ({
          start,
          until: new Date(startMs + lengthMs).toISOString().replace('.000Z', 'Z'),
          seed,
          journeys: [...journeyIds],
          customers,
          events: events.flat(),
        }));
    });
}
