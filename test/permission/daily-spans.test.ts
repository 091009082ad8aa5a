import fc from 'fast-check';
import {
  MINUTES_PER_DAY,
  complementOf,
  containsMinute,
  intersectionOf,
  minuteSetOfSpan,
} from '../../lib/permission/daily-spans';
import { dailySpanArb } from './arbitraries';
import { dailySpanTest } from './customers';

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
        // Assess: one comparison per run (an expect per minute would be slow)
        const inSpan = dailySpanTest(span);
        const wrong = everyMinute.filter((minute) => containsMinute(set, minute) !== inSpan(minute));
        expect(wrong).toEqual([]);
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
        const [inFirst, inSecond] = [dailySpanTest(first), dailySpanTest(second)];
        const wrongBoth = everyMinute.filter((minute) => containsMinute(both, minute) !== (inFirst(minute) && inSecond(minute)));
        const wrongOutside = everyMinute.filter((minute) => containsMinute(outside, minute) === inFirst(minute));
        expect({ wrongBoth, wrongOutside }).toEqual({ wrongBoth: [], wrongOutside: [] });
      }),
      { numRuns: 1000 },
    );
  });
});
