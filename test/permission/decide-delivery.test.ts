import { decideDelivery, PermissionGateInputError, type DeliveryDecision } from '../../lib/permission';
import type { Channel } from '../../lib/customer/model';
import { customer } from './customers';

const at = (iso: string): Date => new Date(iso);
const marketing = (...channels: Channel[]) => ({ topic: 'marketing', channels });
const transactional = (...channels: Channel[]) => ({ topic: 'transactional', channels });
const consented = (...channels: Channel[]) => channels.map((channel) => ({ channel }));
const summary = (decision: DeliveryDecision) =>
  decision.kind === 'send'
    ? { kind: decision.kind, channel: decision.channel }
    : decision.kind === 'defer'
      ? { kind: decision.kind, channel: decision.channel, until: decision.until.toISOString(), reason: decision.reason }
      : { kind: decision.kind, reason: decision.reason };

describe('decideDelivery: consent', () => {
  it('sends marketing email with a granted consent in the afternoon', () => {
    // Prepare
    const someone = customer({ consents: consented('email') });
    // Act
    const decision = decideDelivery(someone, marketing('email'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'send', channel: 'email' });
  });

  it.each(['pending', 'revoked'] as const)('skips marketing when the consent is %s', (status) => {
    // Prepare
    const someone = customer({ consents: [{ channel: 'email', status }] });
    // Act
    const decision = decideDelivery(someone, marketing('email'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'skip', reason: 'no_consent' });
  });

  it('a late-arriving grant dated after now does not count', () => {
    // Prepare
    const someone = customer({ consents: [{ channel: 'email', at: '2026-03-10T18:00:00.001Z' }] });
    // Act
    const decision = decideDelivery(someone, marketing('email'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'skip', reason: 'no_consent' });
  });

  it('counts a grant dated exactly now', () => {
    // Prepare
    const someone = customer({ consents: [{ channel: 'email', at: '2026-03-10T18:00:00Z' }] });
    // Act
    const decision = decideDelivery(someone, marketing('email'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'send', channel: 'email' });
  });

  it('skips a marketing text as no_consent when the SMS grant was given for another number than the profile holds, and still sends a transactional one', () => {
    // Prepare: the grant was given for the number the customer had before.
    const someone = customer({ phone: '+12125550199', consents: [{ channel: 'sms', phone: '+12125550143' }] });
    // Act
    const decision = decideDelivery(someone, marketing('sms'), at('2026-03-10T18:00:00Z'));
    const receipt = decideDelivery(someone, transactional('sms'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'skip', reason: 'no_consent' });
    expect(decision.evaluations).toEqual([{ channel: 'sms', verdict: 'blocked', reason: 'no_consent' }]);
    expect(summary(receipt)).toEqual({ kind: 'send', channel: 'sms' });
  });

  it('takes the next allowed channel when the SMS grant was given for another number, and texts on one given for this number or naming none', () => {
    // Prepare
    const moved = customer({ phone: '+12125550199', consents: [{ channel: 'sms', phone: '+12125550143' }, { channel: 'email' }] });
    const sameNumber = customer({ phone: '+12125550143', consents: [{ channel: 'sms', phone: '+12125550143' }, { channel: 'email' }] });
    const legacy = customer({ phone: '+12125550199', consents: [{ channel: 'sms' }, { channel: 'email' }] });
    const when = at('2026-03-10T18:00:00Z');
    // Act
    const decisions = [moved, sameNumber, legacy].map((someone) => summary(decideDelivery(someone, marketing('sms', 'email'), when)));
    // Assess
    expect(decisions).toEqual([
      { kind: 'send', channel: 'email' },
      { kind: 'send', channel: 'sms' },
      { kind: 'send', channel: 'sms' },
    ]);
  });

  it('does not take a consent to another topic as consent to this one', () => {
    // Prepare
    const someone = customer({ consents: [{ channel: 'email', topic: 'newsletter' }] });
    // Act
    const decision = decideDelivery(someone, marketing('email'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'skip', reason: 'no_consent' });
  });

  it('sends transactional messages without consent, at night and whatever the cap', () => {
    // Prepare
    const someone = customer({ preferences: { quietHours: { start: '21:00', end: '08:00' }, maxPerWeek: 0 } });
    // Act: 03:00 in New York
    const decision = decideDelivery(someone, transactional('sms'), at('2026-03-10T07:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'send', channel: 'sms' });
  });
});

describe('decideDelivery: suppression and reachability', () => {
  it('skips a suppressed channel even for transactional messages', () => {
    // Prepare
    const someone = customer({ suppressions: [{ channel: 'email' }] });
    // Act
    const decision = decideDelivery(someone, transactional('email'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'skip', reason: 'suppressed' });
  });

  it('sends a transactional message on the next channel when the first is suppressed', () => {
    // Prepare
    const someone = customer({ suppressions: [{ channel: 'email' }] });
    // Act
    const decision = decideDelivery(someone, transactional('email', 'sms'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'send', channel: 'sms' });
  });

  it('does not apply a suppression dated after now yet', () => {
    // Prepare
    const someone = customer({ suppressions: [{ channel: 'email', at: '2026-03-11T00:00:00Z' }] });
    // Act
    const decision = decideDelivery(someone, transactional('email'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'send', channel: 'email' });
  });

  it('skips as unreachable when no allowed channel has a contact point', () => {
    // Prepare
    const someone = customer({ email: undefined, phone: undefined, consents: consented('email', 'sms') });
    // Act
    const decision = decideDelivery(someone, marketing('email', 'sms'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'skip', reason: 'unreachable' });
  });

  it('sends mail only to customers with a postal address', () => {
    // Prepare
    const withAddress = customer({ consents: consented('mail') });
    const withoutAddress = customer({ address: undefined, consents: consented('mail') });
    // Act
    const decisions = [withAddress, withoutAddress].map((someone) =>
      summary(decideDelivery(someone, marketing('mail'), at('2026-03-10T18:00:00Z'))),
    );
    // Assess
    expect(decisions).toEqual([
      { kind: 'send', channel: 'mail' },
      { kind: 'skip', reason: 'unreachable' },
    ]);
  });

  it('gives the reason of the first channel in the ladder when none passes', () => {
    // Prepare: email lacks consent, SMS lacks a phone number
    const someone = customer({ phone: undefined, consents: consented('sms') });
    // Act
    const decision = decideDelivery(someone, marketing('email', 'sms'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'skip', reason: 'no_consent' });
  });
});

describe('decideDelivery: hours in the customer time zone', () => {
  it('defers marketing SMS at 07:30 New York time to 08:00', () => {
    // Prepare
    const someone = customer({ consents: consented('sms') });
    // Act: 07:30 EDT
    const decision = decideDelivery(someone, marketing('sms'), at('2026-03-10T11:30:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'defer', channel: 'sms', until: '2026-03-10T12:00:00.000Z', reason: 'sms_legal_hours' });
  });

  it('defers marketing SMS from 21:00 local to 08:00 the next morning', () => {
    // Prepare
    const someone = customer({ consents: consented('sms') });
    // Act: 21:00 EDT on 10 March
    const decision = decideDelivery(someone, marketing('sms'), at('2026-03-11T01:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'defer', channel: 'sms', until: '2026-03-11T12:00:00.000Z', reason: 'sms_legal_hours' });
  });

  it('defers marketing email inside quiet hours that wrap midnight to their end', () => {
    // Prepare
    const someone = customer({ timezone: 'Europe/London', consents: consented('email'), preferences: { quietHours: { start: '22:00', end: '07:00' } } });
    // Act: 00:30 BST
    const decision = decideDelivery(someone, marketing('email'), at('2026-06-10T23:30:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'defer', channel: 'email', until: '2026-06-11T06:00:00.000Z', reason: 'quiet_hours' });
  });

  it('treats quiet hours as [start, end): closed at the start, open at the end', () => {
    // Prepare
    const someone = customer({ timezone: 'Europe/London', consents: consented('email'), preferences: { quietHours: { start: '22:00', end: '07:00' } } });
    // Act: 07:00 BST and 22:00 BST
    const atEnd = decideDelivery(someone, marketing('email'), at('2026-06-11T06:00:00Z'));
    const atStart = decideDelivery(someone, marketing('email'), at('2026-06-11T21:00:00Z'));
    // Assess
    expect(summary(atEnd)).toEqual({ kind: 'send', channel: 'email' });
    expect(summary(atStart)).toEqual({ kind: 'defer', channel: 'email', until: '2026-06-12T06:00:00.000Z', reason: 'quiet_hours' });
  });

  it('defers to the opening of the preferred window', () => {
    // Prepare
    const someone = customer({ consents: consented('email'), preferences: { preferredWindow: { start: '17:00', end: '20:00' } } });
    // Act: 09:00 EST
    const decision = decideDelivery(someone, marketing('email'), at('2026-03-02T14:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'defer', channel: 'email', until: '2026-03-02T22:00:00.000Z', reason: 'preferred_window' });
  });

  it('does not apply quiet hours or the preferred window to mail', () => {
    // Prepare
    const someone = customer({
      consents: consented('mail'),
      preferences: { quietHours: { start: '00:00', end: '23:00' }, preferredWindow: { start: '23:00', end: '23:30' } },
    });
    // Act: 10:00 EDT
    const decision = decideDelivery(someone, marketing('mail'), at('2026-03-10T14:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'send', channel: 'mail' });
  });

  it('opens a 02:30 window at 03:00 local on the spring-forward day in New York', () => {
    // Prepare
    const someone = customer({ consents: consented('email'), preferences: { preferredWindow: { start: '02:30', end: '05:00' } } });
    // Act: midnight EST on 8 March 2026; at 02:00 the clocks jump to 03:00 EDT (07:00Z)
    const decision = decideDelivery(someone, marketing('email'), at('2026-03-08T05:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'defer', channel: 'email', until: '2026-03-08T07:00:00.000Z', reason: 'preferred_window' });
  });

  it('ends London quiet hours early when the clocks skip past their end', () => {
    // Prepare: quiet 00:30–01:30; on 29 March 2026 01:00 GMT becomes 02:00 BST
    const someone = customer({ timezone: 'Europe/London', consents: consented('email'), preferences: { quietHours: { start: '00:30', end: '01:30' } } });
    // Act: 00:45 GMT
    const decision = decideDelivery(someone, marketing('email'), at('2026-03-29T00:45:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'defer', channel: 'email', until: '2026-03-29T01:00:00.000Z', reason: 'quiet_hours' });
  });

  it('keeps quiet hours in both repeated hours of the fall-back night in New York', () => {
    // Prepare: quiet 01:00–01:30; on 1 November 2026 01:00–02:00 happens twice
    const someone = customer({ consents: consented('email'), preferences: { quietHours: { start: '01:00', end: '01:30' } } });
    // Act: 01:15 EDT, then 01:15 EST
    const first = decideDelivery(someone, marketing('email'), at('2026-11-01T05:15:00Z'));
    const second = decideDelivery(someone, marketing('email'), at('2026-11-01T06:15:00Z'));
    // Assess
    expect(summary(first)).toEqual({ kind: 'defer', channel: 'email', until: '2026-11-01T05:30:00.000Z', reason: 'quiet_hours' });
    expect(summary(second)).toEqual({ kind: 'defer', channel: 'email', until: '2026-11-01T06:30:00.000Z', reason: 'quiet_hours' });
  });

  it('respects the half-hour offset of Asia/Kolkata for SMS legal hours', () => {
    // Prepare
    const someone = customer({ timezone: 'Asia/Kolkata', consents: consented('sms') });
    // Act: 07:59 IST, then 08:00 IST
    const before = decideDelivery(someone, marketing('sms'), at('2026-05-05T02:29:00Z'));
    const onTime = decideDelivery(someone, marketing('sms'), at('2026-05-05T02:30:00Z'));
    // Assess
    expect(summary(before)).toEqual({ kind: 'defer', channel: 'sms', until: '2026-05-05T02:30:00.000Z', reason: 'sms_legal_hours' });
    expect(summary(onTime)).toEqual({ kind: 'send', channel: 'sms' });
  });

  it('keeps SMS to legal hours whatever the preferred window says', () => {
    // Prepare: the customer prefers 06:00–09:00
    const someone = customer({ consents: consented('sms'), preferences: { preferredWindow: { start: '06:00', end: '09:00' } } });
    // Act: 06:30 EDT
    const decision = decideDelivery(someone, marketing('sms'), at('2026-03-10T10:30:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'defer', channel: 'sms', until: '2026-03-10T12:00:00.000Z', reason: 'sms_legal_hours' });
  });

  it('skips SMS whose quiet hours cover all of the legal hours', () => {
    // Prepare
    const someone = customer({ consents: consented('sms'), preferences: { quietHours: { start: '07:00', end: '22:00' } } });
    // Act
    const decision = decideDelivery(someone, marketing('sms'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'skip', reason: 'no_allowed_hours' });
  });

  it('passes over SMS that can never open and waits for email instead', () => {
    // Prepare
    const someone = customer({
      consents: consented('sms', 'email'),
      preferences: { channels: ['sms', 'email'], quietHours: { start: '07:00', end: '22:00' } },
    });
    // Act: 14:00 EDT, inside the quiet hours
    const decision = decideDelivery(someone, marketing('sms', 'email'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'defer', channel: 'email', until: '2026-03-11T02:00:00.000Z', reason: 'quiet_hours' });
  });

  it('skips email whose preferred window lies inside the quiet hours', () => {
    // Prepare
    const someone = customer({
      consents: consented('email'),
      preferences: { quietHours: { start: '21:00', end: '08:00' }, preferredWindow: { start: '22:00', end: '23:00' } },
    });
    // Act
    const decision = decideDelivery(someone, marketing('email'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'skip', reason: 'no_allowed_hours' });
  });
});

describe('decideDelivery: how long the hours stay open', () => {
  it('tells when the SMS legal hours close for a marketing text sent at 20:50 in New York', () => {
    // Prepare
    const someone = customer({ consents: consented('sms') });
    // Act: 20:50 EDT.
    const decision = decideDelivery(someone, marketing('sms'), at('2026-06-10T00:50:00Z'));
    // Assess: 21:00 EDT.
    expect(decision).toMatchObject({ kind: 'send', channel: 'sms', openUntil: new Date('2026-06-10T01:00:00Z') });
  });

  it('tells when the preferred window closes, if it closes first', () => {
    // Prepare
    const someone = customer({ consents: consented('sms'), preferences: { preferredWindow: { start: '17:00', end: '19:30' } } });
    // Act: 19:10 EDT.
    const decision = decideDelivery(someone, marketing('sms'), at('2026-06-09T23:10:00Z'));
    // Assess
    expect(decision).toMatchObject({ kind: 'send', openUntil: new Date('2026-06-09T23:30:00Z') });
  });

  it('names no closing for a message whose channel has no hours (transactional, mail)', () => {
    // Prepare
    const someone = customer({ consents: consented('mail') });
    // Act
    const receipt = decideDelivery(someone, transactional('sms'), at('2026-06-10T00:50:00Z'));
    const letter = decideDelivery(someone, marketing('mail'), at('2026-06-10T00:50:00Z'));
    // Assess
    expect(receipt).toMatchObject({ kind: 'send', channel: 'sms' });
    expect(letter).toMatchObject({ kind: 'send', channel: 'mail' });
    expect([receipt, letter].map((decision) => (decision.kind === 'send' ? decision.openUntil : 'not sent'))).toEqual([undefined, undefined]);
  });
});

describe('decideDelivery: channel ladder', () => {
  it("uses the customer's channel order, not the step's", () => {
    // Prepare
    const someone = customer({ consents: consented('email', 'sms'), preferences: { channels: ['sms', 'email'] } });
    // Act
    const decision = decideDelivery(someone, marketing('email', 'sms'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'send', channel: 'sms' });
  });

  it("uses the step's order when the customer has no channel preference", () => {
    // Prepare
    const someone = customer({ consents: consented('email', 'sms') });
    // Act
    const decision = decideDelivery(someone, marketing('sms', 'email'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'send', channel: 'sms' });
  });

  it('falls back to SMS when email has no consent', () => {
    // Prepare
    const someone = customer({ consents: consented('sms') });
    // Act
    const decision = decideDelivery(someone, marketing('email', 'sms', 'mail'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'send', channel: 'sms' });
  });

  it('never uses a channel the customer left out for marketing', () => {
    // Prepare
    const someone = customer({ consents: consented('email', 'sms'), preferences: { channels: ['email'] } });
    // Act
    const decision = decideDelivery(someone, marketing('sms'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'skip', reason: 'not_preferred' });
  });

  it('puts the customer order first, then the rest of the step, for transactional messages', () => {
    // Prepare
    const someone = customer({ preferences: { channels: ['sms'] }, suppressions: [{ channel: 'sms' }] });
    // Act
    const decision = decideDelivery(someone, transactional('mail', 'email', 'sms'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'send', channel: 'mail' });
    expect(decision.evaluations).toEqual([
      { channel: 'sms', verdict: 'blocked', reason: 'suppressed' },
      { channel: 'mail', verdict: 'chosen' },
      { channel: 'email', verdict: 'available' },
    ]);
  });

  it('waits for the customer\u2019s first channel at night rather than falling back to mail', () => {
    // Prepare
    const someone = customer({ consents: consented('sms', 'mail'), preferences: { channels: ['sms', 'mail'] } });
    // Act: 23:00 EDT
    const decision = decideDelivery(someone, marketing('sms', 'mail'), at('2026-03-11T03:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'defer', channel: 'sms', until: '2026-03-11T12:00:00.000Z', reason: 'sms_legal_hours' });
  });

  it('explains every channel of the step for the operator', () => {
    // Prepare
    const someone = customer({
      consents: consented('email', 'sms', 'mail'),
      preferences: { channels: ['sms', 'email'] },
      suppressions: [{ channel: 'sms' }],
    });
    // Act
    const decision = decideDelivery(someone, marketing('email', 'sms', 'mail'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(decision.evaluations).toEqual([
      { channel: 'sms', verdict: 'blocked', reason: 'suppressed' },
      { channel: 'email', verdict: 'chosen' },
      { channel: 'mail', verdict: 'excluded', reason: 'not_preferred' },
    ]);
  });

  it('skips when the step allows no channel', () => {
    // Prepare
    const someone = customer({ consents: consented('email') });
    // Act
    const decision = decideDelivery(someone, marketing(), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'skip', reason: 'no_channel' });
  });
});

describe('decideDelivery: records that take effect while the message waits', () => {
  it('moves to the next channel when a suppression dated during the wait takes effect', () => {
    // Prepare: SMS waits for 08:00 but is suppressed from 02:00 EDT; mail may go at any hour
    const someone = customer({
      consents: consented('sms', 'mail'),
      suppressions: [{ channel: 'sms', at: '2026-03-11T06:00:00Z' }],
    });
    // Act: 23:00 EDT
    const decision = decideDelivery(someone, marketing('sms', 'mail'), at('2026-03-11T03:00:00Z'));
    const thenDecision = decideDelivery(someone, marketing('sms', 'mail'), at('2026-03-11T06:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'defer', channel: 'mail', until: '2026-03-11T06:00:00.000Z', reason: 'sms_legal_hours' });
    expect(summary(thenDecision)).toEqual({ kind: 'send', channel: 'mail' });
  });

  it('skips now when the only channel is revoked before it opens', () => {
    // Prepare
    const someone = customer({
      consents: [
        { channel: 'sms', status: 'granted', at: '2026-01-01T00:00:00Z' },
        { channel: 'sms', status: 'revoked', at: '2026-03-11T06:00:00Z' },
      ],
    });
    // Act: 23:00 EDT
    const decision = decideDelivery(someone, marketing('sms'), at('2026-03-11T03:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'skip', reason: 'no_consent' });
  });
});

describe('decideDelivery: frequency cap', () => {
  it('skips marketing once maxPerWeek messages went out in the last 7 days', () => {
    // Prepare
    const someone = customer({
      consents: consented('email'),
      preferences: { maxPerWeek: 2 },
      sends: ['2026-03-09T18:00:00Z', '2026-03-07T18:00:00Z'],
    });
    // Act
    const decision = decideDelivery(someone, marketing('email'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'skip', reason: 'frequency_capped' });
  });

  it('no longer counts a send from exactly 7 days ago', () => {
    // Prepare
    const someone = customer({
      consents: consented('email'),
      preferences: { maxPerWeek: 2 },
      sends: ['2026-03-09T18:00:00Z', '2026-03-03T18:00:00Z'],
    });
    // Act
    const decision = decideDelivery(someone, marketing('email'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'send', channel: 'email' });
  });

  it('sends no marketing at all when maxPerWeek is 0', () => {
    // Prepare
    const someone = customer({ consents: consented('email'), preferences: { maxPerWeek: 0 } });
    // Act
    const decision = decideDelivery(someone, marketing('email'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'skip', reason: 'frequency_capped' });
  });

  it('judges the cap when the deferred message would go out, not when it is decided', () => {
    // Prepare: the only counted send leaves the window at 11:45Z, before SMS opens at 12:00Z
    const someone = customer({ consents: consented('sms'), preferences: { maxPerWeek: 1 }, sends: ['2026-03-03T11:45:00Z'] });
    // Act: 07:30 EDT
    const decision = decideDelivery(someone, marketing('sms'), at('2026-03-10T11:30:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'defer', channel: 'sms', until: '2026-03-10T12:00:00.000Z', reason: 'sms_legal_hours' });
  });

  it('skips a deferred message that would exceed the cap when it goes out', () => {
    // Prepare: a send recorded for 07:50 EDT fills the week before SMS opens at 08:00
    const someone = customer({ consents: consented('sms'), preferences: { maxPerWeek: 1 }, sends: ['2026-03-10T11:50:00Z'] });
    // Act: 07:30 EDT
    const decision = decideDelivery(someone, marketing('sms'), at('2026-03-10T11:30:00Z'));
    // Assess
    expect(summary(decision)).toEqual({ kind: 'skip', reason: 'frequency_capped' });
  });
});

describe('decideDelivery: malformed input', () => {
  it('fails when the time zone is unknown', () => {
    // Prepare
    const someone = customer({ timezone: 'Mars/Base', consents: consented('email') });
    // Act
    const deciding = () => decideDelivery(someone, marketing('email'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(deciding).toThrow(PermissionGateInputError);
    expect(deciding).toThrow('unknown time zone "Mars/Base"');
  });

  it('fails when now is not a valid instant', () => {
    // Prepare
    const someone = customer({ consents: consented('email') });
    // Act
    const deciding = () => decideDelivery(someone, marketing('email'), new Date(Number.NaN));
    // Assess
    expect(deciding).toThrow(PermissionGateInputError);
  });

  it('fails naming the record whose instant is malformed', () => {
    // Prepare
    const someone = customer({ consents: [{ channel: 'email', at: 'yesterday' }] });
    // Act
    const deciding = () => decideDelivery(someone, marketing('email'), at('2026-03-10T18:00:00Z'));
    // Assess
    expect(deciding).toThrow('consents[0].at is not an instant');
  });
});
