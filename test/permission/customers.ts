/**
 * Builders for the customer snapshots the permission tests judge, and an independent reading of
 * local wall time (straight from Intl, not from the gate's own offset table).
 */
import type { Channel, ConsentStatus, CustomerSnapshot, Preferences, Topic } from '../../lib/customer/model';

export interface CustomerOptions {
  timezone?: string;
  email?: string | undefined;
  phone?: string | undefined;
  address?: CustomerSnapshot['profile']['address'];
  /** `phone`: the number an SMS consent was given for (its proof's), when it names one. */
  consents?: { channel: Channel; topic?: Topic; status?: ConsentStatus; at?: string; phone?: string }[];
  preferences?: Preferences;
  suppressions?: { channel: Channel; at?: string }[];
  sends?: string[];
}

export const SOME_ADDRESS = { line1: '1 Main St', city: 'Springfield', postalCode: '01101', country: 'US' };

/** A reachable customer (email, phone and address) with the given records; consents default to granted marketing. */
export function customer(options: CustomerOptions = {}): CustomerSnapshot {
  const has = <K extends keyof CustomerOptions>(key: K): boolean => Object.prototype.hasOwnProperty.call(options, key);
  return {
    profile: {
      customerId: 'c-001',
      stage: 'prospect',
      timezone: options.timezone ?? 'America/New_York',
      ...(has('email') ? (options.email === undefined ? {} : { email: options.email }) : { email: 'someone@example.com' }),
      ...(has('phone') ? (options.phone === undefined ? {} : { phone: options.phone }) : { phone: '+12125550143' }),
      ...(has('address') ? (options.address === undefined ? {} : { address: options.address }) : { address: SOME_ADDRESS }),
      updatedAt: '2026-01-01T00:00:00Z',
    },
    consents: (options.consents ?? []).map((consent) => ({
      channel: consent.channel,
      topic: consent.topic ?? 'marketing',
      status: consent.status ?? 'granted',
      at: consent.at ?? '2026-01-01T00:00:00Z',
      source: 'web-form',
      ...(consent.phone === undefined ? {} : { phone: consent.phone }),
    })),
    preferences: options.preferences ?? {},
    suppressions: (options.suppressions ?? []).map((suppression) => ({
      channel: suppression.channel,
      reason: 'hard_bounce',
      at: suppression.at ?? '2026-01-01T00:00:00Z',
    })),
    attributes: {},
    frequency: { sends: (options.sends ?? []).map((at, index) => ({ key: `send-${index}`, at })), version: 0 },
  };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Local wall time of `at` in `timezone` as minutes after midnight, read with Intl.DateTimeFormat. */
export function localMinuteOfDay(at: Date, timezone: string): number {
  let formatter = formatters.get(timezone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' });
    formatters.set(timezone, formatter);
  }
  const parts = formatter.formatToParts(at);
  const hour = Number(parts.find((part) => part.type === 'hour')?.value);
  const minute = Number(parts.find((part) => part.type === 'minute')?.value);
  return hour * 60 + minute;
}

/** Minutes after midnight of "HH:MM". */
export function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/** A test for "local minute lies in the daily span `[start, end)`", wrapping past midnight. */
export function dailySpanTest(span: { start: string; end: string }): (minute: number) => boolean {
  const start = minutesOf(span.start);
  const end = minutesOf(span.end);
  return start <= end ? (minute) => minute >= start && minute < end : (minute) => minute >= start || minute < end;
}

/** Whether local minute `minute` lies in the daily span `[start, end)`, wrapping past midnight. */
export function inDailySpan(minute: number, span: { start: string; end: string }): boolean {
  return dailySpanTest(span)(minute);
}
