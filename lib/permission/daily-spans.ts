/**
 * Sets of local times of day, as sorted lists of half-open minute ranges within one day.
 *
 * The gate intersects the customer's quiet hours, the SMS legal hours and the preferred window
 * once per decision, so each channel's allowed hours become one such list.
 */
import type { DailySpan, TimeOfDay } from '../customer/model';
import { PermissionGateInputError } from './errors';

export const MINUTES_PER_DAY = 1440;

/** `[start, end)` in minutes after local midnight, `0 ≤ start < end ≤ 1440`. */
export type MinuteRange = readonly [start: number, end: number];

/** Sorted, disjoint, non-touching ranges: a set of local times of day. */
export type MinuteSet = readonly MinuteRange[];

export const WHOLE_DAY: MinuteSet = [[0, MINUTES_PER_DAY]];
export const NO_TIME: MinuteSet = [];

const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight of an `HH:MM` time of day. */
export function minutesOfTimeOfDay(time: TimeOfDay): number {
  const match = TIME_OF_DAY.exec(time);
  if (match === null) {
    throw new PermissionGateInputError(`time of day "${time}" is not "HH:MM"`);
  }
  return Number(match[1]) * 60 + Number(match[2]);
}

/**
 * The local times a daily span covers: `[start, end)`, wrapping past midnight when `end` is
 * before `start`. A span whose start equals its end covers nothing (the half-open reading).
 */
export function minuteSetOfSpan(span: DailySpan): MinuteSet {
  const start = minutesOfTimeOfDay(span.start);
  const end = minutesOfTimeOfDay(span.end);
  if (start < end) return [[start, end]];
  if (start === end) return NO_TIME;
  const ranges: MinuteRange[] = [];
  if (end > 0) ranges.push([0, end]);
  ranges.push([start, MINUTES_PER_DAY]);
  return ranges;
}

/** The local times of day not in `set`. */
export function complementOf(set: MinuteSet): MinuteSet {
  const ranges: MinuteRange[] = [];
  let cursor = 0;
  for (const [start, end] of set) {
    if (start > cursor) ranges.push([cursor, start]);
    cursor = end;
  }
  if (cursor < MINUTES_PER_DAY) ranges.push([cursor, MINUTES_PER_DAY]);
  return ranges;
}

/** The local times of day in both sets. */
export function intersectionOf(a: MinuteSet, b: MinuteSet): MinuteSet {
  const ranges: MinuteRange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [aStart, aEnd] = a[i] as MinuteRange;
    const [bStart, bEnd] = b[j] as MinuteRange;
    const start = Math.max(aStart, bStart);
    const end = Math.min(aEnd, bEnd);
    if (start < end) ranges.push([start, end]);
    if (aEnd < bEnd) i += 1;
    else j += 1;
  }
  return ranges;
}

/** Whether minute-of-day `minute` (`0 ≤ minute < 1440`) lies in `set`. */
export function containsMinute(set: MinuteSet, minute: number): boolean {
  for (const [start, end] of set) {
    if (minute < start) return false;
    if (minute < end) return true;
  }
  return false;
}
