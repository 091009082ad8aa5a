import fc from 'fast-check';
import {
  MINUTES_PER_DAY,
  complementOf,
  containsMinute,
  intersectionOf,
  minuteSetOfSpan,
} from '../../lib/permission/daily-spans';
import { dailySpanArb } from './arbitraries';
import { inDailySpan } from './customers';

const everyMinute = Array.from({ length: MINUTES_PER_DAY }, (_, minute) => minute);

describe('daily spans', () => {
  it('splits a span that wraps midnight into its evening and morning parts', () => {
    // Act
    const quiet = minuteSetOfSpan({ start: '21:00', end: '08:00' });
    // Assess
    expect(quiet).toEqual([
      [0, 480],
      [1260, 1440],
    ]);
  });

  it('covers exactly the minutes of [start, end), wrapping past midnight', () => {
    fc.assert(
      fc.property(dailySpanArb, (span) => {
        // Act
        const set = minuteSetOfSpan(span);
        // Assess
        for (const minute of everyMinute) expect(containsMinute(set, minute)).toBe(inDailySpan(minute, span));
      }),
      { numRuns: 1000 },
    );
  });

  it('intersects and complements minute by minute', () => {
    fc.assert(
      fc.property(dailySpanArb, dailySpanArb, (first, second) => {
        // Act
        const both = intersectionOf(minuteSetOfSpan(first), minuteSetOfSpan(second));
        const outside = complementOf(minuteSetOfSpan(first));
        // Assess
        for (const minute of everyMinute) {
          expect(containsMinute(both, minute)).toBe(inDailySpan(minute, first) && inDailySpan(minute, second));
          expect(containsMinute(outside, minute)).toBe(!inDailySpan(minute, first));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
