/**
 * fast-check generators for the gate's property tests: customers with consents in every state
 * (some dated after `now`), suppressions, missing contact points, preferences with wrapped quiet
 * hours and windows, caps and recent sends; and instants over 2026 that crowd around the DST
 * changes of New York and London.
 */
import fc from 'fast-check';
import { CHANNELS, type Channel, type ConsentStatus, type CustomerSnapshot, type DailySpan, type Preferences } from '../../lib/customer/model';
import { SOME_ADDRESS } from './customers';

export const ZONES = ['America/New_York', 'Europe/London', 'Asia/Kolkata', 'UTC'] as const;
export const TOPICS = ['marketing', 'newsletter'] as const;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR_2026 = { min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) - 1 };
/** New York 8 Mar / 1 Nov, London 29 Mar / 25 Oct 2026. */
const DST_CHANGES = ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z', '2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z'].map(Date.parse);

/** Instants over 2026, a third of them within 36 hours of a DST change, half on whole minutes. */
export const instantArb: fc.Arbitrary<number> = fc
  .tuple(
    fc.oneof(
      { weight: 2, arbitrary: fc.integer(YEAR_2026) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...DST_CHANGES), fc.integer({ min: -36 * HOUR, max: 36 * HOUR })).map(([change, shift]) => change + shift) },
    ),
    fc.boolean(),
  )
  .map(([at, onMinute]) => (onMinute ? at - (at % MINUTE) : at));

const timeOfDayArb = fc
  .oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 1439 }) },
    // Midnight, around the DST changes, SMS legal bounds and common evening hours.
    { weight: 2, arbitrary: fc.constantFrom(0, 30, 60, 90, 120, 150, 180, 420, 480, 1020, 1200, 1260, 1320) },
  )
  .map((minutes) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`);

export const dailySpanArb: fc.Arbitrary<DailySpan> = fc
  .tuple(timeOfDayArb, timeOfDayArb)
  .map(([start, end]) => ({ start, end: start === end ? (start === '23:59' ? '00:00' : '23:59') : end }));

/** Quiet hours that usually wrap midnight, as customers set them. */
const quietHoursArb = fc.oneof(
  { weight: 2, arbitrary: fc.record({ start: fc.constantFrom('20:00', '21:00', '22:00', '23:30'), end: fc.constantFrom('06:00', '07:00', '08:00', '09:30') }) },
  { weight: 1, arbitrary: dailySpanArb },
);

/** Preferred windows: usual daytime or evening hours, or any span. */
const preferredWindowArb = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom({ start: '09:00', end: '12:00' }, { start: '17:00', end: '20:00' }, { start: '02:30', end: '05:00' }) },
  { weight: 1, arbitrary: dailySpanArb },
);

/** An offset (ms) back from `now`: mostly in the past, sometimes exactly now, sometimes later. */
const pastOffsetArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 90 * DAY }) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.integer({ min: -3 * DAY, max: -1 }) },
);

const statusArb = fc.constantFrom<ConsentStatus>('granted', 'granted', 'granted', 'granted', 'revoked', 'pending');

const preferencesArb: fc.Arbitrary<Preferences> = fc
  .record({
    channels: fc.option(fc.shuffledSubarray([...CHANNELS], { minLength: 1 }), { nil: undefined, freq: 2 }),
    quietHours: fc.option(quietHoursArb, { nil: undefined }),
    preferredWindow: fc.option(preferredWindowArb, { nil: undefined, freq: 2 }),
    maxPerWeek: fc.option(fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 6, arbitrary: fc.integer({ min: 1, max: 5 }) }), { nil: undefined }),
  })
  .map((preferences) => Object.fromEntries(Object.entries(preferences).filter(([, value]) => value !== undefined)) as Preferences);

export interface Scenario {
  readonly customer: CustomerSnapshot;
  readonly message: { readonly topic: string; readonly channels: readonly Channel[] };
  readonly now: Date;
}

export const messageArb = fc.record({
  topic: fc.constantFrom('marketing', 'marketing', 'marketing', 'newsletter', 'transactional'),
  channels: fc.shuffledSubarray([...CHANNELS], { minLength: 1 }),
});

/**
 * Which number a profile holds: none, a real one, or one in E.164 form that no country has, which
 * the gate counts as a number all the same (rule 3: SMS needs a phone number).
 */
type PhoneOnFile = 'none' | 'real' | 'made-up';
const PHONES_ON_FILE: Readonly<Record<Exclude<PhoneOnFile, 'none'>, string>> = { real: '+447946095800', 'made-up': '+19999999999' };

/** True `percent` times out of 100. */
const chance = (percent: number) => fc.integer({ min: 0, max: 99 }).map((roll) => roll < percent);
const perChannel = <T>(arbitrary: fc.Arbitrary<T>) => fc.array(arbitrary, { minLength: CHANNELS.length, maxLength: CHANNELS.length });

const recordsArb = fc.record({
  zone: fc.constantFrom(...ZONES),
  hasEmail: chance(85),
  phone: fc.constantFrom<PhoneOnFile>('real', 'real', 'real', 'real', 'made-up', 'none'),
  hasAddress: chance(75),
  consents: fc.array(fc.record({ status: statusArb, offset: pastOffsetArb, present: chance(85) }), {
    minLength: CHANNELS.length * TOPICS.length,
    maxLength: CHANNELS.length * TOPICS.length,
  }),
  suppressions: perChannel(fc.record({ offset: pastOffsetArb, present: chance(8) })),
  preferences: preferencesArb,
  sends: fc.array(fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 14 * DAY }) }, { weight: 1, arbitrary: fc.integer({ min: -DAY, max: -1 }) }), { maxLength: 6 }),
});

type GeneratedRecords = typeof recordsArb extends fc.Arbitrary<infer T> ? T : never;

/** Builds a customer from generated records relative to `nowMs`. */
function customerOf(records: GeneratedRecords, nowMs: number, keepFutureSends: boolean): CustomerSnapshot {
  const iso = (offset: number) => new Date(nowMs - offset).toISOString();
  const consents: CustomerSnapshot['consents'] = [];
  CHANNELS.forEach((channel, channelIndex) =>
    TOPICS.forEach((topic, topicIndex) => {
      const consent = records.consents[channelIndex * TOPICS.length + topicIndex];
      // At most one current state per (channel, topic), as the store keeps it.
      if (consent === undefined || !consent.present) return;
      consents.push({ channel, topic, status: consent.status, at: iso(consent.offset), source: 'web-form' });
    }),
  );
  const suppressions: CustomerSnapshot['suppressions'] = [];
  CHANNELS.forEach((channel, index) => {
    const suppression = records.suppressions[index];
    if (suppression?.present === true) suppressions.push({ channel, reason: 'hard_bounce', at: iso(suppression.offset) });
  });
  const sendOffsets = records.sends.filter((offset) => keepFutureSends || offset >= 0);
  return {
    profile: {
      customerId: 'c-prop',
      stage: 'active',
      timezone: records.zone,
      ...(records.hasEmail ? { email: 'someone@example.com' } : {}),
      ...(records.phone === 'none' ? {} : { phone: PHONES_ON_FILE[records.phone] }),
      ...(records.hasAddress ? { address: SOME_ADDRESS } : {}),
      updatedAt: '2026-01-01T00:00:00Z',
    },
    consents,
    preferences: records.preferences,
    suppressions,
    attributes: {},
    frequency: { sends: sendOffsets.map((offset, index) => ({ key: `s-${index}`, at: iso(offset) })), version: 0 },
  };
}

/** A customer, a message and an instant to judge it at. */
export const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({ records: recordsArb, message: messageArb, nowMs: instantArb })
  .map(({ records, message, nowMs }) => ({ customer: customerOf(records, nowMs, true), message, now: new Date(nowMs) }));

/**
 * A customer whose recorded sends lie in the past and respect their own cap (as a history kept by
 * the gate would), and a timeline of messages to decide one after another.
 */
export const timelineArb = fc
  .record({
    records: recordsArb,
    nowMs: instantArb,
    messages: fc.array(fc.record({ message: messageArb, gap: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 * HOUR }), fc.integer({ min: 1, max: 3 * DAY })) }), {
      minLength: 5,
      maxLength: 25,
    }),
  })
  .map(({ records, nowMs, messages }) => {
    const customer = customerOf(records, nowMs, false);
    const cap = customer.preferences.maxPerWeek;
    const kept: number[] = [];
    for (const at of customer.frequency.sends.map((send) => Date.parse(send.at)).sort((a, b) => a - b)) {
      if (cap === undefined || kept.filter((earlier) => earlier > at - 7 * DAY).length < cap) kept.push(at);
    }
    const history = kept.map((at, index) => ({ key: `h-${index}`, at: new Date(at).toISOString() }));
    return { customer: { ...customer, frequency: { sends: history, version: 0 } }, nowMs, messages };
  });
