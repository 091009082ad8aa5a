import fc from 'fast-check';
import { ZoneOffsets, zoneOffsets } from '../../lib/permission/zone-offsets';
import { localMinuteOfDay } from './customers';
import { ZONES, instantArb } from './arbitraries';

describe('zoneOffsets', () => {
  it('finds the New York DST changes of 2026 to the millisecond', () => {
    // Prepare
    const newYork = new ZoneOffsets('America/New_York');
    // Act
    const winter = newYork.segmentAt(Date.parse('2026-03-08T06:59:59.999Z'));
    const summer = newYork.segmentAt(Date.parse('2026-03-08T07:00:00Z'));
    const lastSummerMs = newYork.offsetAt(Date.parse('2026-11-01T05:59:59.999Z'));
    const backToWinterMs = newYork.offsetAt(Date.parse('2026-11-01T06:00:00Z'));
    // Assess
    expect(winter).toEqual({ offsetMs: -5 * 3_600_000, endMs: Date.parse('2026-03-08T07:00:00Z') });
    expect(summer.offsetMs).toBe(-4 * 3_600_000);
    expect(lastSummerMs).toBe(-4 * 3_600_000);
    expect(backToWinterMs).toBe(-5 * 3_600_000);
  });

  it('gives Asia/Kolkata its +05:30 offset', () => {
    // Act
    const offset = zoneOffsets('Asia/Kolkata').offsetAt(Date.parse('2026-07-01T00:00:00Z'));
    // Assess
    expect(offset).toBe(5.5 * 3_600_000);
  });

  it('agrees with Intl on local wall time at any instant of 2026', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), instantArb, (zone, at) => {
        // Act
        const localMs = at + zoneOffsets(zone).offsetAt(at);
        // Assess
        const minuteOfDay = Math.floor((((localMs % 86_400_000) + 86_400_000) % 86_400_000) / 60_000);
        expect(minuteOfDay).toBe(localMinuteOfDay(new Date(at), zone));
      }),
      { numRuns: 1000 },
    );
  });

  it('fails for an unknown zone', () => {
    // Act
    const creating = () => new ZoneOffsets('Mars/Base');
    // Assess
    expect(creating).toThrow('unknown time zone "Mars/Base"');
  });
});
