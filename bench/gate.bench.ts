/**
 * `gate_decisions_per_s`: decideDelivery throughput over 2,000 pre-generated (customer, message,
 * instant) cases — four time zones, instants over 2026 including the DST change days, consents in
 * every state, suppressions, missing contact points, quiet hours, windows, caps and recent sends —
 * about 2 seconds of measurement after a short warm-up, in this process.
 */
import { CHANNELS, type Channel, type ConsentStatus, type CustomerSnapshot, type Preferences } from '../lib/customer/model';
import { decideDelivery, type OutgoingMessage } from '../lib/permission';

const CASES = 2_000;
const WARM_UP_MS = 300;
const MEASURE_MS = 2_000;
const BATCH = 500;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ZONES = ['America/New_York', 'Europe/London', 'Asia/Kolkata', 'UTC'];
const DST_CHANGES = ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z', '2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z'].map(Date.parse);
const YEAR_START = Date.UTC(2026, 0, 1);

interface Case {
  readonly customer: CustomerSnapshot;
  readonly message: OutgoingMessage;
  readonly now: Date;
}

/** A seeded generator (mulberry32), so every run judges the same cases. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function generateCases(count: number): Case[] {
  const random = randomSource(2026);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (probability: number) => random() < probability;
  const time = () => `${String(Math.floor(random() * 24)).padStart(2, '0')}:${pick(['00', '15', '30', '45'])}`;
  const subset = (): Channel[] => {
    const channels = CHANNELS.filter(() => chance(0.6));
    return channels.length > 0 ? channels.sort(() => random() - 0.5) : [pick(CHANNELS)];
  };
  return Array.from({ length: count }, (_, index) => {
    const nowMs = chance(0.3) ? pick(DST_CHANGES) + Math.floor((random() - 0.5) * 3 * DAY) : YEAR_START + Math.floor(random() * 365 * DAY);
    const iso = (back: number) => new Date(nowMs - back).toISOString();
    const consents: CustomerSnapshot['consents'] = [];
    for (const channel of CHANNELS) {
      for (const topic of ['marketing', 'newsletter']) {
        if (chance(0.8)) {
          const status: ConsentStatus = pick(['granted', 'granted', 'granted', 'revoked', 'pending']);
          consents.push({ channel, topic, status, at: iso(Math.floor((random() - 0.05) * 60 * DAY)), source: 'web-form' });
        }
      }
    }
    const preferences: Preferences = {
      ...(chance(0.5) ? { channels: subset() } : {}),
      ...(chance(0.6) ? { quietHours: { start: pick(['20:00', '21:00', '22:00']), end: pick(['07:00', '08:00']) } } : {}),
      ...(chance(0.3) ? { preferredWindow: { start: time(), end: pick(['12:00', '20:00', '23:00']) } } : {}),
      ...(chance(0.6) ? { maxPerWeek: Math.floor(random() * 6) } : {}),
    };
    const customer: CustomerSnapshot = {
      profile: {
        customerId: `bench-${index}`,
        stage: 'active',
        timezone: pick(ZONES),
        ...(chance(0.9) ? { email: 'bench@example.com' } : {}),
        ...(chance(0.85) ? { phone: '+447946095800' } : {}),
        ...(chance(0.7) ? { address: { line1: '1 High St', city: 'London', postalCode: 'N1 9GU', country: 'GB' } } : {}),
        updatedAt: '2026-01-01T00:00:00Z',
      },
      consents,
      preferences,
      suppressions: CHANNELS.filter(() => chance(0.08)).map((channel) => ({ channel, reason: 'hard_bounce', at: iso(Math.floor(random() * 30 * DAY)) })),
      attributes: {},
      frequency: {
        sends: Array.from({ length: Math.floor(random() * 6) }, (_, send) => ({ key: `s-${send}`, at: iso(Math.floor(random() * 10 * DAY)) })),
        version: 0,
      },
    };
    const message: OutgoingMessage = { topic: pick(['marketing', 'marketing', 'newsletter', 'transactional']), channels: subset() };
    return { customer, message, now: new Date(nowMs) };
  });
}

/** Decides cases round-robin for about `durationMs`; returns decisions per second. */
function measure(cases: readonly Case[], durationMs: number, outcomes: Map<string, number>): number {
  const started = performance.now();
  let decisions = 0;
  let elapsed = 0;
  let index = 0;
  while (elapsed < durationMs) {
    for (let batch = 0; batch < BATCH; batch += 1) {
      const next = cases[index] as Case;
      index = (index + 1) % cases.length;
      const decision = decideDelivery(next.customer, next.message, next.now);
      // Keeping the outcome makes the work observable, so nothing can be optimised away.
      outcomes.set(decision.kind, (outcomes.get(decision.kind) ?? 0) + 1);
    }
    decisions += BATCH;
    elapsed = performance.now() - started;
  }
  return (decisions / elapsed) * 1000;
}

export async function run(): Promise<Record<string, number>> {
  const cases = generateCases(CASES);
  const outcomes = new Map<string, number>();
  measure(cases, WARM_UP_MS, outcomes);
  return { gate_decisions_per_s: Math.round(measure(cases, MEASURE_MS, outcomes)) };
}
