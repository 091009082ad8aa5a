import { parseCustomerEvent } from '../../lib/ingest/customer-event';

function busEvent(detailType: string, detail: Record<string, unknown>): Record<string, unknown> {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': detailType,
    source: 'shop.checkout',
    account: '111122223333',
    time: '2026-03-02T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

describe('parseCustomerEvent', () => {
  it('reads an order with the producer event id, the time in one UTC form, and its attributes', () => {
    // Act
    const parsed = parseCustomerEvent(
      busEvent('order_placed', {
        customerId: 'c-001',
        eventId: 'order-8812',
        occurredAt: '2026-03-02T11:30:00+01:00',
        touchpoint: 'web',
        attributes: { lastOrderValue: 42.5 },
      }),
    );

    // Assess
    expect(parsed).toEqual({
      valid: true,
      event: {
        name: 'order_placed',
        customerId: 'c-001',
        eventId: 'order-8812',
        occurredAt: '2026-03-02T10:30:00.000Z',
        touchpoint: 'web',
        attributes: { lastOrderValue: 42.5 },
        profile: undefined,
        consents: [],
        preferences: undefined,
      },
    });
  });

  it('falls back to the EventBridge id and time, and takes the touchpoint a store visit implies', () => {
    // Act
    const parsed = parseCustomerEvent(busEvent('store_visit', { customerId: 'c-001' }));

    // Assess
    expect(parsed.valid && parsed.event).toMatchObject({
      eventId: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      occurredAt: '2026-03-02T10:00:00.000Z',
      touchpoint: 'store',
    });
  });

  it.each(['constructor', 'signed_up'])('takes no touchpoint for an event of a type that implies none (%s), whatever its name', (name) => {
    // Act
    const parsed = parseCustomerEvent(busEvent(name, { customerId: 'c-001' }), { now: new Date('2026-03-02T10:00:00Z') });

    // Assess
    expect(parsed.valid).toBe(true);
    expect(parsed.valid && parsed.event.touchpoint).toBeUndefined();
  });

  it('rejects an event without a customer id, naming the field', () => {
    // Act
    const parsed = parseCustomerEvent(busEvent('order_placed', { eventId: 'order-1' }));

    // Assess
    expect(parsed).toEqual({
      valid: false,
      reason: expect.stringMatching(/^detail\.customerId: /),
      issues: [{ path: ['detail', 'customerId'], message: expect.any(String) }],
      customerId: undefined,
    });
  });

  it('names the bad field of a profile without repeating its value', () => {
    // Act
    const parsed = parseCustomerEvent(busEvent('signed_up', { customerId: 'c-001', profile: { email: 'not-an-address' } }));

    // Assess
    expect(parsed.valid).toBe(false);
    expect(!parsed.valid && parsed.reason).toMatch(/^detail\.profile\.email: /);
    expect(!parsed.valid && parsed.reason).not.toContain('not-an-address');
    expect(!parsed.valid && parsed.customerId).toBe('c-001');
  });

  it.each(['-00:30', '+05:30', '-0330'])('refuses the UTC offset %s as a profile time zone: it keeps no daylight saving time, and the gate read -00:30 as +00:30', (zone) => {
    // Act
    const parsed = parseCustomerEvent(busEvent('signed_up', { customerId: 'c-001', profile: { timezone: zone } }));

    // Assess
    expect(!parsed.valid && parsed.reason).toBe('detail.profile.timezone: unknown time zone (an IANA name, e.g. "America/New_York", not a UTC offset)');
  });

  it('refuses a number in E.164 form that no country has, naming the field and not the number', () => {
    // Act: texts to it would only be refused, and the gate would take it for a way to reach the customer
    const parsed = parseCustomerEvent(busEvent('signed_up', { customerId: 'c-001', profile: { phone: '+19999999999' } }));

    // Assess
    expect(!parsed.valid && parsed.reason).toMatch(/^detail\.profile\.phone: must be a valid phone number/);
    expect(!parsed.valid && parsed.reason).not.toContain('9999999');
  });

  it('refuses a consent whose proof names a number that is not a real one, naming the field and not the number', () => {
    // Act
    const parsed = parseCustomerEvent(
      busEvent('signed_up', { customerId: 'c-001', consents: [{ channel: 'sms', topic: 'marketing', status: 'granted', proof: { source: 'web-form', phone: '+19999999999' } }] }),
    );

    // Assess
    expect(parsed.valid).toBe(false);
    expect(!parsed.valid && parsed.reason).toMatch(/^detail\.consents\.0\.proof\.phone: must be a valid phone number/);
    expect(!parsed.valid && parsed.reason).not.toContain('9999999999');
  });

  it('rejects a consent change that carries no consent', () => {
    // Act
    const parsed = parseCustomerEvent(busEvent('consent_changed', { customerId: 'c-001' }));

    // Assess
    expect(parsed).toEqual({
      valid: false,
      reason: 'detail.consents: a consent_changed event needs at least one consent',
      issues: [{ path: ['detail', 'consents'], message: 'a consent_changed event needs at least one consent' }],
      customerId: 'c-001',
    });
  });

  it('rejects a profile change that changes nothing', () => {
    expect(parseCustomerEvent(busEvent('profile_changed', { customerId: 'c-001' })).valid).toBe(false);
  });

  it('keeps the lastEvent attributes to itself', () => {
    // Act
    const parsed = parseCustomerEvent(
      busEvent('order_placed', { customerId: 'c-001', attributes: { 'lastEvent.order_placed': '2020-01-01T00:00:00Z' } }),
    );

    // Assess
    expect(!parsed.valid && parsed.reason).toContain('"lastEvent." names are reserved');
  });

  it('rejects fields it does not know, so a typo is not silently dropped', () => {
    expect(parseCustomerEvent(busEvent('order_placed', { customerId: 'c-001', atributes: {} })).valid).toBe(false);
  });

  it.each([
    [
      'a consent proof naming its number in a mistyped field',
      'consent_changed',
      { consents: [{ channel: 'sms', topic: 'marketing', status: 'granted', proof: { source: 'web-form', phoneNumber: '+12125550177' } }] },
      'detail.consents.0.proof: Unrecognized key: "phoneNumber"',
    ],
    [
      'a mistyped address line',
      'profile_changed',
      { profile: { address: { line1: '1 Main St', lin2: 'Apt 4', city: 'Springfield', postalCode: '12345', country: 'US' } } },
      'detail.profile.address: Unrecognized key: "lin2"',
    ],
    ['mistyped quiet hours', 'profile_changed', { preferences: { channels: ['sms'], quiethours: { start: '21:00', end: '08:00' } } }, 'detail.preferences: Unrecognized key: "quiethours"'],
    [
      'an unknown field inside a daily span',
      'profile_changed',
      { preferences: { preferredWindow: { start: '09:00', end: '17:00', timezone: 'Europe/Paris' } } },
      'detail.preferences.preferredWindow: Unrecognized key: "timezone"',
    ],
  ])('refuses %s, naming the field and not its value', (_, name, detail, reason) => {
    // Act
    const parsed = parseCustomerEvent(busEvent(name, { customerId: 'c-001', ...detail }));

    // Assess
    expect(parsed).toMatchObject({ valid: false, reason });
    expect(!parsed.valid && parsed.reason).not.toMatch(/\+1212|Apt 4|21:00|Europe/);
  });

  it('rejects an event name that cannot be a journey event', () => {
    expect(parseCustomerEvent(busEvent('Order Placed', { customerId: 'c-001' })).valid).toBe(false);
  });

  describe('consents stated ahead of the ingest\'s clock', () => {
    const now = new Date('2026-03-02T10:00:00Z');
    const consent = (at?: string) => ({ channel: 'email', topic: 'marketing', status: 'granted', ...(at === undefined ? {} : { at }), proof: { source: 'crm' } });

    it('accepts a consent up to five minutes ahead, and refuses one further ahead naming its `at`', () => {
      // Act
      const parsed = parseCustomerEvent(
        busEvent('consent_changed', { customerId: 'c-001', consents: [consent('2026-03-02T10:05:00Z'), consent('2099-01-01T00:00:00Z')] }),
        { now },
      );

      // Assess
      expect(parsed).toEqual({
        valid: false,
        reason: expect.stringMatching(/^detail\.consents\.1\.at: is more than 5 minutes ahead of the ingest's clock/),
        issues: [{ path: ['detail', 'consents', '1', 'at'], message: expect.any(String) }],
        customerId: 'c-001',
      });
      expect(!parsed.valid && parsed.reason).not.toContain('2099');
    });

    it('refuses consents that take their instant from an occurredAt too far ahead, naming occurredAt once', () => {
      // Act
      const parsed = parseCustomerEvent(
        busEvent('consent_changed', { customerId: 'c-001', occurredAt: '2026-03-02T10:06:00Z', consents: [consent(), consent()] }),
        { now },
      );

      // Assess
      expect(!parsed.valid && parsed.issues).toEqual([
        { path: ['detail', 'occurredAt'], message: expect.stringMatching(/^is more than 5 minutes ahead of the ingest's clock; it dates .*the consents that carry no "at"/) },
      ]);
    });

    it('refuses consents that take their instant from an EventBridge time too far ahead, naming time', () => {
      // Act
      const parsed = parseCustomerEvent({ ...busEvent('signed_up', { customerId: 'c-001', consents: [consent()] }), time: '2026-03-02T11:00:00Z' }, { now });

      // Assess
      expect(!parsed.valid && parsed.issues.map((issue) => issue.path)).toEqual([['time']]);
    });
  });

  describe('events dated ahead of the ingest\'s clock', () => {
    const now = new Date('2026-03-02T10:00:00Z');

    it('refuses a profile_changed whose EventBridge time is years ahead, naming time and not its value, since its preferences and profile fields would outrank every later change', () => {
      // Act
      const parsed = parseCustomerEvent(
        {
          ...busEvent('profile_changed', { customerId: 'c-001', profile: { phone: '+12125550143' }, preferences: { channels: ['email'] } }),
          time: '2099-01-01T00:00:00Z',
        },
        { now },
      );

      // Assess
      expect(parsed).toEqual({
        valid: false,
        reason: expect.stringMatching(/^time: is more than 5 minutes ahead of the ingest's clock; it dates the event's attributes .*profile fields, preferences/),
        issues: [{ path: ['time'], message: expect.any(String) }],
        customerId: 'c-001',
      });
      expect(!parsed.valid && parsed.reason).not.toMatch(/2099|\+1212/);
    });

    it('refuses an event whose occurredAt is more than five minutes ahead, naming occurredAt, whatever it carries (its lastEvent.<name> is ordered by it)', () => {
      // Act
      const withAttributes = parseCustomerEvent(busEvent('order_placed', { customerId: 'c-001', occurredAt: '2026-03-02T10:05:01Z', attributes: { lastOrderValue: 42.5 } }), { now });
      const bare = parseCustomerEvent(busEvent('order_placed', { customerId: 'c-001', occurredAt: '2026-03-03T10:00:00Z' }), { now });

      // Assess
      expect(!withAttributes.valid && withAttributes.issues.map((issue) => issue.path)).toEqual([['detail', 'occurredAt']]);
      expect(!bare.valid && bare.issues.map((issue) => issue.path)).toEqual([['detail', 'occurredAt']]);
    });

    it('accepts an event dated up to five minutes ahead, and one dated in the past', () => {
      // Act
      const ahead = parseCustomerEvent(busEvent('profile_changed', { customerId: 'c-001', occurredAt: '2026-03-02T10:05:00Z', preferences: { channels: ['email'] } }), { now });
      const past = parseCustomerEvent(busEvent('profile_changed', { customerId: 'c-001', occurredAt: '2020-01-01T00:00:00Z', profile: { timezone: 'UTC' } }), { now });

      // Assess
      expect(ahead.valid).toBe(true);
      expect(past.valid).toBe(true);
    });
  });
});
