/**
 * When, in the customer's local time, a channel may carry a message (contract rules 4 and 5),
 * and the earliest instant from a given one at which it may.
 *
 * A channel's allowed hours are one set of local times of day: for marketing email, outside the
 * quiet hours and inside the preferred window; for marketing SMS, the same and inside the legal
 * 08:00–21:00; for mail and for transactional messages, always. An instant is allowed when its
 * local wall time falls in that set. So on a spring-forward day a window opening at 02:30 opens at
 * 03:00 local (the first instant whose wall time is ≥ 02:30), and during a fall-back overlap both
 * occurrences of a wall time are treated alike.
 */
import type { Channel, DailySpan, Preferences } from '../customer/model';
import {
  WHOLE_DAY,
  complementOf,
  containsMinute,
  intersectionOf,
  minuteSetOfSpan,
  type MinuteSet,
} from './daily-spans';
import type { DeferReason } from './reasons';
import { DAY_MS, MINUTE_MS, type ZoneOffsets } from './zone-offsets';

/** TCPA: no marketing SMS before 08:00 or from 21:00 recipient local time. */
export const SMS_LEGAL_HOURS: DailySpan = { start: '08:00', end: '21:00' };
const SMS_LEGAL_SET = minuteSetOfSpan(SMS_LEGAL_HOURS);

/** The constraints on one channel's local times, and their intersection. */
export interface AllowedHours {
  /** The local times of day at which the channel may carry the message. */
  readonly allowed: MinuteSet;
  /** No constraint at all (mail, transactional): every instant is allowed. */
  readonly always: boolean;
  /** The constraints, in the order their defer reasons are reported. */
  readonly constraints: readonly { readonly reason: DeferReason; readonly allowed: MinuteSet }[];
}

const ALWAYS: AllowedHours = { allowed: WHOLE_DAY, always: true, constraints: [] };

/**
 * The allowed hours of `channel` for a message that is (or is not) marketing, given the customer's
 * preferences. Quiet hours and the preferred window apply to marketing email and SMS only; legal
 * hours to marketing SMS only; mail has no hours.
 */
export function allowedHoursFor(channel: Channel, marketing: boolean, preferences: Preferences): AllowedHours {
  if (!marketing || channel === 'mail') return ALWAYS;
  const constraints: { reason: DeferReason; allowed: MinuteSet }[] = [];
  if (channel === 'sms') constraints.push({ reason: 'sms_legal_hours', allowed: SMS_LEGAL_SET });
  if (preferences.quietHours !== undefined) {
    constraints.push({ reason: 'quiet_hours', allowed: complementOf(minuteSetOfSpan(preferences.quietHours)) });
  }
  if (preferences.preferredWindow !== undefined) {
    constraints.push({ reason: 'preferred_window', allowed: minuteSetOfSpan(preferences.preferredWindow) });
  }
  if (constraints.length === 0) return ALWAYS;
  const allowed = constraints.reduce<MinuteSet>((set, constraint) => intersectionOf(set, constraint.allowed), WHOLE_DAY);
  return { allowed, always: false, constraints };
}

/** Whether the allowed hours never open on any day. */
export function neverOpens(hours: AllowedHours): boolean {
  return hours.allowed.length === 0;
}

/** Milliseconds after local midnight of `epochMs` in `zone`. */
export function localMsOfDay(zone: ZoneOffsets, epochMs: number): number {
  return modulo(epochMs + zone.offsetAt(epochMs), DAY_MS);
}

/**
 * Why `epochMs` is outside the allowed hours (the first failing constraint), or `undefined` when
 * it is inside them.
 */
export function closedReasonAt(hours: AllowedHours, zone: ZoneOffsets, epochMs: number): DeferReason | undefined {
  if (hours.always) return undefined;
  const minute = Math.floor(localMsOfDay(zone, epochMs) / MINUTE_MS);
  for (const constraint of hours.constraints) {
    if (!containsMinute(constraint.allowed, minute)) return constraint.reason;
  }
  return undefined;
}

/** Guards against looping forever on a broken offset table; a real search ends within days. */
const MAX_SEGMENTS = 10_000;

/**
 * The earliest instant at or after `fromMs` whose local wall time is in the allowed hours, or
 * `Infinity` when the hours never open.
 *
 * Between two offset transitions local time is UTC plus a constant, so the answer inside one
 * constant-offset segment is found arithmetically; past the segment's end the search continues in
 * the next one. The result is exact to the millisecond.
 */
export function nextAllowedInstant(hours: AllowedHours, zone: ZoneOffsets, fromMs: number): number {
  if (hours.always) return fromMs;
  const first = hours.allowed[0];
  if (first === undefined) return Infinity;
  let at = fromMs;
  for (let segments = 0; segments < MAX_SEGMENTS; segments += 1) {
    const segment = zone.segmentAt(at);
    const local = at + segment.offsetMs;
    const candidate = nextAllowedLocal(hours.allowed, first, local) - segment.offsetMs;
    if (candidate < segment.endMs) return candidate;
    at = segment.endMs;
  }
  throw new RangeError(`no allowed instant found in ${MAX_SEGMENTS} offset segments of ${zone.zoneName}`);
}

/** The first local time (continuous local ms) at or after `local` whose time of day is allowed. */
function nextAllowedLocal(allowed: MinuteSet, first: MinuteSet[number], local: number): number {
  const msOfDay = modulo(local, DAY_MS);
  const midnight = local - msOfDay;
  for (const [start, end] of allowed) {
    if (msOfDay < end * MINUTE_MS) {
      const startMs = start * MINUTE_MS;
      return startMs <= msOfDay ? local : midnight + startMs;
    }
  }
  return midnight + DAY_MS + first[0] * MINUTE_MS;
}

function modulo(value: number, divisor: number): number {
  const rest = value % divisor;
  return rest < 0 ? rest + divisor : rest;
}

/**
 * When the allowed hours that hold at `epochMs` close: the end of the local range of
 * `hours.allowed` it falls in, or `undefined` when the hours are `always` or `epochMs` is outside
 * them. Counted in local minutes from `epochMs`, so a clock change inside the range (never inside
 * the SMS legal hours, which is where this matters) is not seen; a range that reaches midnight is
 * taken to close there, which can only be early.
 */
export function closingAfter(hours: AllowedHours, zone: ZoneOffsets, epochMs: number): number | undefined {
  if (hours.always) return undefined;
  const localMs = localMsOfDay(zone, epochMs);
  const minute = Math.floor(localMs / MINUTE_MS);
  const range = hours.allowed.find(([start, end]) => start <= minute && minute < end);
  return range === undefined ? undefined : epochMs + range[1] * MINUTE_MS - localMs;
}
