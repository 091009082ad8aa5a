import fc from 'fast-check';
import { isMarketing, type Channel, type CustomerSnapshot } from '../../lib/customer/model';
import { DEFER_REASONS, SKIP_REASONS, decideDelivery, type DeliveryDecision } from '../../lib/permission';
import { scenarioArb, timelineArb, type Scenario } from './arbitraries';
import { dailySpanTest, inDailySpan, localMinuteOfDay } from './customers';

const RUNS = { numRuns: 1000 };
const DAY = 24 * 60 * 60_000;
const SMS_LEGAL = { start: '08:00', end: '21:00' };

// Independent readings of the rules, written from the contract, not from the gate's helpers.

function consentGranted(customer: CustomerSnapshot, channel: Channel, topic: string, at: Date): boolean {
  const consent = customer.consents.find((entry) => entry.channel === channel && entry.topic === topic);
  return consent !== undefined && consent.status === 'granted' && Date.parse(consent.at) <= at.getTime();
}

function suppressed(customer: CustomerSnapshot, channel: Channel, at: Date): boolean {
  return customer.suppressions.some((entry) => entry.channel === channel && Date.parse(entry.at) <= at.getTime());
}

function reachable(customer: CustomerSnapshot, channel: Channel): boolean {
  const { email, phone, address } = customer.profile;
  return channel === 'email' ? email !== undefined : channel === 'sms' ? phone !== undefined : address !== undefined;
}

/** Whether local minute `minute` is allowed for `channel` (rules 4 and 5). */
function minuteAllowedTest(customer: CustomerSnapshot, channel: Channel, marketing: boolean): (minute: number) => boolean {
  if (!marketing || channel === 'mail') return () => true;
  const { quietHours, preferredWindow } = customer.preferences;
  const quiet = quietHours === undefined ? () => false : dailySpanTest(quietHours);
  const legal = channel === 'sms' ? dailySpanTest(SMS_LEGAL) : () => true;
  const preferred = preferredWindow === undefined ? () => true : dailySpanTest(preferredWindow);
  return (minute) => !quiet(minute) && legal(minute) && preferred(minute);
}

const EVERY_MINUTE = Array.from({ length: 1440 }, (_, minute) => minute);

function hoursEverOpen(customer: CustomerSnapshot, channel: Channel, marketing: boolean): boolean {
  return EVERY_MINUTE.some(minuteAllowedTest(customer, channel, marketing));
}

/** Rules 1–3 and hours that open at some time of day. */
function passes(customer: CustomerSnapshot, channel: Channel, topic: string, at: Date): boolean {
  const marketing = isMarketing(topic);
  return (
    !suppressed(customer, channel, at) &&
    reachable(customer, channel) &&
    (!marketing || consentGranted(customer, channel, topic, at)) &&
    hoursEverOpen(customer, channel, marketing)
  );
}

/** Rule 7's order. */
function ladder(customer: CustomerSnapshot, message: Scenario['message']): Channel[] {
  const preferred = customer.preferences.channels;
  if (preferred === undefined) return [...message.channels];
  const first = preferred.filter((channel) => message.channels.includes(channel));
  if (isMarketing(message.topic)) return first;
  return [...first, ...message.channels.filter((channel) => !first.includes(channel))];
}

function sentChannel(decision: DeliveryDecision): Channel | undefined {
  return decision.kind === 'send' ? decision.channel : undefined;
}

describe('decideDelivery properties', () => {
  it('never sends marketing without a granted consent for (channel, topic) at now, and reaches every outcome', () => {
    // Prepare
    const seen = new Map<string, number>();
    const tally = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);
    // Act
    fc.assert(
      fc.property(scenarioArb, ({ customer, message, now }) => {
        const decision = decideDelivery(customer, message, now);
        tally(decision.kind);
        if (decision.kind !== 'send') tally(`${decision.kind}:${decision.reason}`);
        const channel = sentChannel(decision);
        // Assess
        if (channel !== undefined && isMarketing(message.topic)) {
          expect(consentGranted(customer, channel, message.topic, now)).toBe(true);
        }
      }),
      RUNS,
    );
    // Assess: the generators reach every kind and every reason a generated step can produce
    expect(seen.get('send') ?? 0).toBeGreaterThan(100);
    expect(seen.get('defer') ?? 0).toBeGreaterThan(20);
    expect(seen.get('skip') ?? 0).toBeGreaterThan(100);
    for (const reason of SKIP_REASONS.filter((reason) => reason !== 'no_channel')) expect(seen.get(`skip:${reason}`) ?? 0).toBeGreaterThan(0);
    for (const reason of DEFER_REASONS) expect(seen.get(`defer:${reason}`) ?? 0).toBeGreaterThan(0);
  });

  it('never sends marketing email to an address no grant names, when the grants name addresses', () => {
    // Prepare: every email consent names an address: the profile's (maybe in other case) or another one
    const named = fc.constantFrom('someone@example.com', 'SomeOne@Example.COM', 'someone-else@example.com');
    const addressed = fc.tuple(scenarioArb, fc.array(named, { minLength: 4, maxLength: 4 })).map(([scenario, addresses]) => ({
      ...scenario,
      customer: {
        ...scenario.customer,
        consents: scenario.customer.consents.map((consent, index) =>
          consent.channel === 'email' ? { ...consent, email: addresses[index % addresses.length] ?? 'someone@example.com' } : consent,
        ),
      },
    }));
    const seen = { namedSent: 0, otherSkipped: 0 };
    // Act
    fc.assert(
      fc.property(addressed, ({ customer, message, now }) => {
        const decision = decideDelivery(customer, message, now);
        const consent = customer.consents.find((entry) => entry.channel === 'email' && entry.topic === message.topic);
        const namesProfile = consent?.email?.toLowerCase() === customer.profile.email?.toLowerCase();
        // Assess
        if (sentChannel(decision) === 'email' && isMarketing(message.topic)) {
          expect(consentGranted(customer, 'email', message.topic, now)).toBe(true);
          expect(namesProfile).toBe(true);
          seen.namedSent += 1;
        }
        if (decision.kind === 'skip' && decision.reason === 'no_consent' && consent?.status === 'granted' && !namesProfile) seen.otherSkipped += 1;
      }),
      RUNS,
    );
    // Assess: the generators reach both sides
    expect(seen.namedSent).toBeGreaterThan(0);
    expect(seen.otherSkipped).toBeGreaterThan(0);
  });

  it('never sends to a suppressed or unreachable channel, whatever the topic', () => {
    fc.assert(
      fc.property(scenarioArb, ({ customer, message, now }) => {
        // Act
        const channel = sentChannel(decideDelivery(customer, message, now));
        // Assess
        if (channel !== undefined) {
          expect(suppressed(customer, channel, now)).toBe(false);
          expect(reachable(customer, channel)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('never sends marketing email or SMS inside quiet hours in the customer time zone', () => {
    fc.assert(
      fc.property(scenarioArb, ({ customer, message, now }) => {
        // Act
        const channel = sentChannel(decideDelivery(customer, message, now));
        // Assess
        const { quietHours } = customer.preferences;
        if (channel !== undefined && channel !== 'mail' && isMarketing(message.topic) && quietHours !== undefined) {
          expect(inDailySpan(localMinuteOfDay(now, customer.profile.timezone), quietHours)).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it('never sends marketing SMS before 08:00 or from 21:00 local time', () => {
    fc.assert(
      fc.property(scenarioArb, ({ customer, message, now }) => {
        // Act
        const channel = sentChannel(decideDelivery(customer, message, now));
        // Assess
        if (channel === 'sms' && isMarketing(message.topic)) {
          expect(inDailySpan(localMinuteOfDay(now, customer.profile.timezone), SMS_LEGAL)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('sends marketing email and SMS only inside the preferred window', () => {
    fc.assert(
      fc.property(scenarioArb, ({ customer, message, now }) => {
        // Act
        const channel = sentChannel(decideDelivery(customer, message, now));
        // Assess
        const { preferredWindow } = customer.preferences;
        if (channel !== undefined && channel !== 'mail' && isMarketing(message.topic) && preferredWindow !== undefined) {
          expect(inDailySpan(localMinuteOfDay(now, customer.profile.timezone), preferredWindow)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('never puts more than maxPerWeek marketing sends in any rolling 7 days', () => {
    let cappedRuns = 0;
    fc.assert(
      fc.property(timelineArb, ({ customer, nowMs, messages }) => {
        // Prepare: messages arrive one after another; deferred ones come back at their `until`
        const sends = customer.frequency.sends.map((send) => ({ ...send }));
        const queue: { at: number; message: Scenario['message'] }[] = [];
        let arrival = nowMs;
        for (const { message, gap } of messages) {
          arrival += gap;
          queue.push({ at: arrival, message });
        }
        // Act: decide in time order, recording every marketing send as the send path would
        while (queue.length > 0) {
          queue.sort((a, b) => a.at - b.at);
          const next = queue.shift();
          if (next === undefined) break;
          const snapshot = { ...customer, frequency: { sends: [...sends], version: sends.length } };
          const decision = decideDelivery(snapshot, next.message, new Date(next.at));
          if (decision.kind === 'defer') {
            // A deferral that does not move forward would loop for ever.
            expect(decision.until.getTime()).toBeGreaterThan(next.at);
            queue.push({ at: decision.until.getTime(), message: next.message });
          }
          if (decision.kind === 'send' && isMarketing(next.message.topic)) sends.push({ key: `k-${sends.length}`, at: new Date(next.at).toISOString() });
        }
        // Assess: every half-open 7-day window, [a, a + 7 days) and (a, a + 7 days]
        const cap = customer.preferences.maxPerWeek;
        if (cap === undefined) return;
        cappedRuns += 1;
        const times = sends.map((send) => Date.parse(send.at)).sort((a, b) => a - b);
        for (const start of times) {
          expect(times.filter((at) => at >= start && at < start + 7 * DAY).length).toBeLessThanOrEqual(cap);
          expect(times.filter((at) => at > start - 7 * DAY && at <= start).length).toBeLessThanOrEqual(cap);
        }
      }),
      RUNS,
    );
    expect(cappedRuns).toBeGreaterThan(100);
  });

  it('defers to the earliest instant at which the gate sends', () => {
    let deferrals = 0;
    fc.assert(
      fc.property(scenarioArb, fc.double({ min: 0, max: 1, noNaN: true }), ({ customer, message, now }, fraction) => {
        // Act
        const decision = decideDelivery(customer, message, now);
        if (decision.kind !== 'defer') return;
        deferrals += 1;
        const { until } = decision;
        const atUntil = decideDelivery(customer, message, until);
        const justBefore = decideDelivery(customer, message, new Date(until.getTime() - 1));
        const between = new Date(now.getTime() + Math.floor(fraction * (until.getTime() - 1 - now.getTime())));
        const inBetween = decideDelivery(customer, message, between);
        // Assess
        expect(until.getTime()).toBeGreaterThan(now.getTime());
        expect(atUntil).toMatchObject({ kind: 'send', channel: decision.channel });
        expect(justBefore).toMatchObject({ kind: 'defer', channel: decision.channel, until });
        expect(inBetween).toMatchObject({ kind: 'defer', channel: decision.channel, until });
      }),
      RUNS,
    );
    expect(deferrals).toBeGreaterThan(20);
  });

  it('never uses a channel left out of preferences.channels for marketing, nor one the step does not allow', () => {
    fc.assert(
      fc.property(scenarioArb, ({ customer, message, now }) => {
        // Act
        const decision = decideDelivery(customer, message, now);
        // Assess
        if (decision.kind === 'skip') return;
        expect(message.channels).toContain(decision.channel);
        const preferred = customer.preferences.channels;
        if (isMarketing(message.topic) && preferred !== undefined) expect(preferred).toContain(decision.channel);
      }),
      RUNS,
    );
  });

  it('chooses the first channel of the ladder that passes consent, suppression, reachability and ever opens', () => {
    fc.assert(
      fc.property(scenarioArb, ({ customer, message, now }) => {
        // Act
        const decision = decideDelivery(customer, message, now);
        // Assess
        const expected = ladder(customer, message).find((channel) => passes(customer, channel, message.topic, now));
        const chosen = decision.evaluations.find((evaluation) => evaluation.verdict === 'chosen')?.channel;
        expect(chosen).toBe(expected);
        if (decision.kind === 'send') expect(decision.channel).toBe(expected);
        if (expected === undefined) expect(decision.kind).toBe('skip');
      }),
      RUNS,
    );
  });

  it('sends transactional messages at once whenever an allowed channel is neither suppressed nor unreachable', () => {
    fc.assert(
      fc.property(scenarioArb, ({ customer, message, now }) => {
        // Prepare
        const receipt = { ...message, topic: 'transactional' };
        // Act
        const decision = decideDelivery(customer, receipt, now);
        // Assess
        const open = receipt.channels.some((channel) => !suppressed(customer, channel, now) && reachable(customer, channel));
        expect(decision.kind).toBe(open ? 'send' : 'skip');
      }),
      RUNS,
    );
  });

  it('decides deterministically and leaves its input untouched', () => {
    fc.assert(
      fc.property(scenarioArb, ({ customer, message, now }) => {
        // Prepare
        const before = JSON.stringify({ customer, message, now });
        // Act
        const first = decideDelivery(customer, message, now);
        const second = decideDelivery(structuredClone(customer), structuredClone(message), new Date(now.getTime()));
        // Assess
        expect(second).toEqual(first);
        expect(JSON.stringify({ customer, message, now })).toBe(before);
      }),
      RUNS,
    );
  });
});
