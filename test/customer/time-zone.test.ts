import { isKnownTimeZone } from '../../lib/customer/time-zone';
import { TimeZoneSchema } from '../../lib/customer/model';

describe('isKnownTimeZone', () => {
  it.each(['America/New_York', 'Europe/London', 'Asia/Kolkata', 'Asia/Calcutta', 'UTC'])('knows %s', (name) => {
    // Act
    const known = isKnownTimeZone(name);
    // Assess
    expect(known).toBe(true);
  });

  it.each(['Mars/Base', '', 'America/Nowhere', 'New York'])('does not know %j', (name) => {
    // Act
    const known = isKnownTimeZone(name);
    // Assess
    expect(known).toBe(false);
  });

  it('is what the customer model accepts, with the name in the error', () => {
    // Act
    const result = TimeZoneSchema.safeParse('Mars/Base');
    // Assess
    expect(TimeZoneSchema.parse('Asia/Calcutta')).toBe('Asia/Calcutta');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('unknown time zone "Mars/Base"');
  });
});
