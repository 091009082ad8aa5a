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

  it.each(['+05:30', '-00:30', '-0330', '+00:00'])('does not take the UTC offset %s for a time zone, though Intl does', (name) => {
    // Act
    const known = isKnownTimeZone(name);
    // Assess
    expect(new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone).toBeDefined();
    expect(known).toBe(false);
  });

  it('remembers the names Intl accepts, not those it refuses, which can come from anyone', () => {
    // Prepare
    const constructions = jest.spyOn(Intl, 'DateTimeFormat');
    try {
      // Act
      for (let round = 0; round < 3; round += 1) {
        isKnownTimeZone('Europe/Vilnius');
        isKnownTimeZone('Mars/Olympus_Mons');
      }
      // Assess: the known name is asked of Intl once; the unknown one every time, as nothing kept it.
      const asked = (name: string) => constructions.mock.calls.filter(([, options]) => options?.timeZone === name).length;
      expect({ known: asked('Europe/Vilnius'), unknown: asked('Mars/Olympus_Mons') }).toEqual({ known: 1, unknown: 3 });
    } finally {
      constructions.mockRestore();
    }
  });

  it('is what the customer model accepts, with the name in the error', () => {
    // Act
    const result = TimeZoneSchema.safeParse('Mars/Base');
    // Assess
    expect(TimeZoneSchema.parse('Asia/Calcutta')).toBe('Asia/Calcutta');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('unknown time zone "Mars/Base"');
  });

  it('says a UTC offset is one, naming an IANA name to use', () => {
    // Act
    const result = TimeZoneSchema.safeParse('-00:30');
    // Assess
    expect(result.error?.issues.map((issue) => issue.message)).toEqual(['"-00:30" is a UTC offset, not a time zone; use an IANA name such as "Asia/Kolkata"']);
  });
});
