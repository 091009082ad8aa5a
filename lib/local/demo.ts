/**
 * The demo of `npm start`: a few hundred made-up customers with varied consents, preferences,
 * time zones and channels, and a stream of customer events over the first weeks that walks them
 * through the catalog journeys (lead captured → nurture, signed up → welcome, orders → cross-sell
 * and goals, tier changes → loyalty, and lapsed buyers → win-back through the inactivity scan).
 *
 * Everything comes from a seeded generator, so a restart regenerates the same stream and plays
 * only what the clock has not reached yet; playing an event twice changes nothing (ingest is
 * idempotent: execution names, the consent ledger and attributes all absorb repeats).
 * Contact points use reserved, fictional ranges: `@example.com` addresses, `+1 212 555 01xx` numbers.
 */
import type { AttributeValue, Channel, Preferences, Touchpoint } from '../customer/model';
import type { CustomerEvent } from '../ingest/customer-event';
import { lastEventAttribute } from '../journeys/event-history';
import type { CustomerStore } from '../store/customer-store';
import { indexProfilePhone, type PhoneIndexTable } from '../store/phone-index';
import { seededRandom } from './virtual-clock';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A demo customer as it is written to the store at the demo's start. */
export interface DemoCustomer {
  readonly id: string;
  readonly segment: 'prospect' | 'signup' | 'active' | 'lapsing';
  readonly timezone: string;
  readonly email?: string;
  readonly phone?: string;
  readonly address?: { line1: string; city: string; postalCode: string; country: string };
  readonly consents: ReadonlyArray<{ channel: Channel; status: 'granted' | 'revoked' }>;
  readonly preferences?: Preferences;
  readonly suppressedEmail: boolean;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** Days before the start of the last order (lapsing customers: win-back after 90). */
  readonly lastOrderDaysAgo?: number;
}

/** One event of the stream, at an offset from the demo's start. */
export interface DemoEvent {
  readonly offsetMs: number;
  readonly event: Omit<CustomerEvent, 'occurredAt'>;
}

/** The demo: customers and the event stream. */
export interface Demo {
  readonly customers: readonly DemoCustomer[];
  readonly events: readonly DemoEvent[];
}

const ZONES = [
  'America/New_York',
  'America/Chicago',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'Europe/London',
  'Europe/Paris',
  'Europe/Berlin',
  'Asia/Kolkata',
  'Asia/Tokyo',
  'Australia/Sydney',
] as const;
const INTERESTS = ['running', 'cycling', 'hiking', 'yoga', 'swimming', 'climbing'] as const;

/** Builds the demo for `count` customers from `seed`. */
export function buildDemo(count: number, seed: number): Demo {
  const random = seededRandom(seed);
  const chance = (p: number): boolean => random() < p;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const between = (low: number, high: number): number => low + random() * (high - low);

  const customers: DemoCustomer[] = [];
  const events: DemoEvent[] = [];
  for (let index = 1; index <= count; index += 1) {
    const id = `demo-${String(index).padStart(4, '0')}`;
    const roll = random();
    const segment: DemoCustomer['segment'] = roll < 0.3 ? 'prospect' : roll < 0.6 ? 'signup' : roll < 0.85 ? 'active' : 'lapsing';
    // The first few sign up at once with nothing in the way, so the mailbox shows mail within seconds.
    const early = index <= 5;
    const hasEmail = early || chance(0.92);
    const hasPhone = !early && chance(0.6);
    const consents: Array<{ channel: Channel; status: 'granted' | 'revoked' }> = [];
    if (hasEmail) consents.push({ channel: 'email', status: early || chance(0.85) ? 'granted' : 'revoked' });
    if (hasPhone && chance(0.55)) consents.push({ channel: 'sms', status: 'granted' });
    if (chance(0.35)) consents.push({ channel: 'mail', status: 'granted' });
    let preferences: Preferences | undefined;
    if (!early && chance(0.6)) {
      const channels = (['email', 'sms', 'mail'] as const).filter(() => chance(0.7));
      preferences = {
        ...(channels.length > 0 && chance(0.6) ? { channels: random() < 0.5 ? channels : [...channels].reverse() } : {}),
        ...(chance(0.45) ? { quietHours: pick([{ start: '21:00', end: '08:00' }, { start: '22:00', end: '07:00' }]) } : {}),
        ...(chance(0.25) ? { preferredWindow: pick([{ start: '18:00', end: '21:00' }, { start: '08:00', end: '10:00' }, { start: '12:00', end: '14:00' }]) } : {}),
        ...(chance(0.3) ? { maxPerWeek: 2 + Math.floor(random() * 3) } : {}),
      };
    }
    const attributes: Record<string, AttributeValue> = {};
    if (chance(0.6)) attributes.interests = INTERESTS.filter(() => chance(0.3));
    if (segment === 'active' || segment === 'lapsing') attributes.tier = pick(['standard', 'silver', 'gold']);
    customers.push({
      id,
      segment,
      timezone: early ? 'Europe/London' : pick(ZONES),
      email: hasEmail ? `${id}@example.com` : undefined,
      phone: hasPhone ? `+1212555${String(100 + (index % 100)).padStart(4, '0')}` : undefined,
      address: chance(0.45) ? { line1: `${index} Demo Street`, city: 'Springfield', postalCode: String(10000 + index), country: 'US' } : undefined,
      consents,
      preferences,
      suppressedEmail: !early && chance(0.03),
      attributes,
      lastOrderDaysAgo: segment === 'lapsing' ? Math.floor(between(80, 92)) : segment === 'active' ? Math.floor(between(5, 40)) : undefined,
    });

    let sequence = 0;
    const add = (offsetMs: number, name: string, extra: Partial<Omit<CustomerEvent, 'occurredAt' | 'name' | 'customerId' | 'eventId'>> = {}): void => {
      sequence += 1;
      events.push({
        offsetMs: Math.round(offsetMs / 60_000) * 60_000,
        event: { name, customerId: id, eventId: `${id}-${sequence}`, attributes: {}, consents: [], ...extra },
      });
    };
    const touchpoint = (value: Touchpoint): { touchpoint: Touchpoint } => ({ touchpoint: value });
    switch (segment) {
      case 'prospect': {
        const at = between(0, 5) * DAY_MS;
        add(at, 'lead_captured', touchpoint(chance(0.5) ? 'web' : 'store'));
        if (chance(0.5)) add(at + between(2, 60) * HOUR_MS, 'preferences_updated', touchpoint('web'));
        if (chance(0.25)) add(at + between(3, 12) * DAY_MS, 'order_placed', touchpoint('web'));
        break;
      }
      case 'signup': {
        const at = early ? index * 5 * 60_000 : between(0, 7) * DAY_MS;
        add(at, 'signed_up', touchpoint('web'));
        if (!early && chance(0.3)) add(at + between(1, 6) * DAY_MS, 'order_placed', touchpoint(chance(0.5) ? 'web' : 'store'));
        break;
      }
      case 'active': {
        add(between(0, 10) * DAY_MS, 'order_placed', touchpoint(chance(0.6) ? 'web' : 'store'));
        if (chance(0.4)) add(between(0, 14) * DAY_MS, 'tier_changed', { attributes: { tier: pick(['silver', 'gold', 'platinum']) } });
        if (chance(0.3)) add(between(0, 14) * DAY_MS, 'store_visit', touchpoint('store'));
        break;
      }
      case 'lapsing':
        if (chance(0.2)) add(between(3, 20) * DAY_MS, 'order_placed', touchpoint('web'));
        break;
    }
    if (hasEmail && !early && chance(0.06)) {
      add(between(2, 20) * DAY_MS, 'consent_changed', {
        consents: [{ channel: 'email', topic: 'marketing', status: 'revoked', proof: { source: 'demo-unsubscribe' } }],
      });
    }
  }
  events.sort((a, b) => a.offsetMs - b.offsetMs || (a.event.eventId < b.event.eventId ? -1 : 1));
  return { customers, events };
}

/** Writes one demo customer to the store as of `start` (an import: profile, consents with proof, preferences, attributes). */
export async function seedDemoCustomer(store: CustomerStore, phoneIndex: PhoneIndexTable, customer: DemoCustomer, start: Date): Promise<void> {
  const at = start.toISOString();
  const profile = {
    customerId: customer.id,
    stage: customer.segment === 'active' || customer.segment === 'lapsing' ? 'active' : 'prospect',
    timezone: customer.timezone,
    email: customer.email,
    phone: customer.phone,
    address: customer.address,
    updatedAt: at,
  } as const;
  await store.putProfile(profile);
  // As every writer of a profile with a phone does: a STOP from the number reaches the customer.
  await indexProfilePhone(phoneIndex, profile);
  for (const consent of customer.consents) {
    // A text consent is for the number it was given for (lib/customer/consent-number.ts).
    const phone = consent.channel === 'sms' && customer.phone !== undefined ? { phone: customer.phone } : {};
    await store.recordConsent(customer.id, {
      channel: consent.channel,
      topic: 'marketing',
      status: consent.status,
      at: new Date(start.getTime() - DAY_MS).toISOString(),
      proof: { source: 'demo-import', consentTextVersion: 'demo-v1', ...phone },
    });
  }
  if (customer.preferences !== undefined) await store.putPreferences(customer.id, customer.preferences);
  if (customer.suppressedEmail) {
    await store.addSuppression(customer.id, { channel: 'email', reason: 'hard_bounce', at: new Date(start.getTime() - 30 * DAY_MS).toISOString() });
  }
  if (Object.keys(customer.attributes).length > 0) await store.setAttributes(customer.id, customer.attributes, { at, touchpoint: 'import' });
  if (customer.lastOrderDaysAgo !== undefined) {
    const lastOrder = new Date(start.getTime() - customer.lastOrderDaysAgo * DAY_MS).toISOString();
    await store.setAttributes(customer.id, { [lastEventAttribute('order_placed')]: lastOrder }, { at: lastOrder, touchpoint: 'import' });
  }
}
