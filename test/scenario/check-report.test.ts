import { checkReport, formatViolation, type Violation } from '../../lib/scenario/check-report';
import { summarize, type Report, type ReportMessage, type ReportSkip } from '../../lib/scenario/report';
import { parseScenario, type Scenario, type ScenarioCustomer, type ScenarioEvent } from '../../lib/scenario/scenario';
import { journeys } from '../../workflows';
import { customer, message, report, scenario, sharedScenarioJson } from './fixtures';

/** The violations of a report holding `messages` for `customers` (ladder journey). */
function check(customers: ScenarioCustomer[], messages: ReportMessage[], events: ScenarioEvent[] = []): Violation[] {
  const forScenario = scenario(customers, events);
  return checkReport(forScenario, report(forScenario, messages));
}

/** The rule numbers of the violations, in order. */
function rules(violations: readonly Violation[]): (number | string)[] {
  return violations.map((violation) => violation.rule);
}

const quietNights = { quietHours: { start: '21:00', end: '08:00' } };

describe('checkReport, rule 1 (consent)', () => {
  it('passes a marketing message sent while consent is granted', () => {
    // Act
    const violations = check([customer()], [message()]);

    // Assess
    expect(violations).toEqual([]);
  });

  it('catches a marketing email sent one second after the customer revoked consent', () => {
    // Prepare
    const revoke: ScenarioEvent = {
      at: '2026-03-02T14:59:59Z',
      customerId: 'c-001',
      type: 'consent',
      channel: 'email',
      topic: 'marketing',
      status: 'revoked',
      source: 'one-click-unsubscribe',
    };

    // Act
    const violations = check([customer()], [message({ at: '2026-03-02T15:00:00Z' })], [revoke]);

    // Assess
    expect(rules(violations)).toEqual([1]);
    expect(violations[0]?.path).toBe('messages[0]');
    expect(formatViolation(violations[0] as Violation)).toMatch(/^rule 1 \(consent\) at messages\[0\] c-001 ladder-c-001-signed_up-1\/offer at 2026-03-02T15:00:00Z: /);
  });

  it('counts a revocation dated exactly at the send, but not one a second later', () => {
    // Prepare
    const revokeAt = (at: string): ScenarioEvent => ({ at, customerId: 'c-001', type: 'consent', channel: 'email', topic: 'marketing', status: 'revoked', source: 'stop' });

    // Act
    const atSend = check([customer()], [message({ at: '2026-03-02T15:00:00Z' })], [revokeAt('2026-03-02T15:00:00Z')]);
    const after = check([customer()], [message({ at: '2026-03-02T15:00:00Z' })], [revokeAt('2026-03-02T15:00:01Z')]);

    // Assess
    expect(rules(atSend)).toEqual([1]);
    expect(after).toEqual([]);
  });

  it('catches a message sent before a consent that was only granted later', () => {
    // Prepare
    const late = customer({ consents: [{ channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-02T15:00:01Z', source: 'web-form' }] });
    const onTime = customer({ consents: [{ channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-02T15:00:00Z', source: 'web-form' }] });

    // Act
    const before = check([late], [message({ at: '2026-03-02T15:00:00Z' })]);
    const exactly = check([onTime], [message({ at: '2026-03-02T15:00:00Z' })]);

    // Assess
    expect(rules(before)).toEqual([1]);
    expect(exactly).toEqual([]);
  });

  it('takes the latest consent by time, not by position in the file', () => {
    // Prepare
    const regranted = customer({
      consents: [
        { channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-01T00:00:00Z', source: 'web-form' },
        { channel: 'email', topic: 'marketing', status: 'revoked', at: '2026-02-01T00:00:00Z', source: 'stop' },
      ],
    });

    // Act
    const violations = check([regranted], [message()]);

    // Assess
    expect(violations).toEqual([]);
  });

  it('does not let consent to another topic or channel stand in', () => {
    // Prepare
    const newsletterOnly = customer({
      consents: [
        { channel: 'email', topic: 'newsletter', status: 'granted', at: '2026-02-01T00:00:00Z', source: 'web-form' },
        { channel: 'sms', topic: 'marketing', status: 'granted', at: '2026-02-01T00:00:00Z', source: 'web-form' },
      ],
      preferences: { channels: ['email'] },
    });

    // Act
    const violations = check([newsletterOnly], [message()]);

    // Assess
    expect(rules(violations)).toEqual([1]);
  });

  it('needs no consent for a transactional message', () => {
    // Prepare
    const noConsent = customer({ consents: [] });

    // Act
    const violations = check([noConsent], [message({ step: 'receipt', topic: 'transactional', at: '2026-03-02T03:00:00Z' })]);

    // Assess
    expect(violations).toEqual([]);
  });
});

describe('checkReport, rule 2 (suppression)', () => {
  it('catches any message, transactional too, after a hard bounce on its channel', () => {
    // Prepare
    const bounce: ScenarioEvent = { at: '2026-03-02T12:00:00Z', customerId: 'c-001', type: 'bounce', channel: 'email', kind: 'hard' };

    // Act
    const violations = check([customer()], [message({ step: 'receipt', topic: 'transactional' })], [bounce]);

    // Assess
    expect(rules(violations)).toEqual([2]);
  });

  it('lets a soft bounce suppress nothing', () => {
    // Prepare
    const bounce: ScenarioEvent = { at: '2026-03-02T12:00:00Z', customerId: 'c-001', type: 'bounce', channel: 'email', kind: 'soft' };

    // Act
    const violations = check([customer()], [message()], [bounce]);

    // Assess
    expect(violations).toEqual([]);
  });

  it('catches a message after a complaint on its channel, not one on another channel', () => {
    // Prepare
    const complaint: ScenarioEvent = { at: '2026-03-02T12:00:00Z', customerId: 'c-001', type: 'complaint', channel: 'email' };
    const smsOnly = customer({ preferences: { channels: ['sms', 'email', 'mail'] } });

    // Act
    const onEmail = check([customer()], [message()], [complaint]);
    const onSms = check([smsOnly], [message({ channel: 'sms' })], [complaint]);

    // Assess
    expect(rules(onEmail)).toEqual([2]);
    expect(onSms).toEqual([]);
  });

  it('applies a listed suppression from its at on', () => {
    // Prepare
    const suppressed = customer({ suppressions: [{ channel: 'email', reason: 'carrier_blocked', at: '2026-03-10T00:00:00Z' }] });

    // Act
    const violations = check([suppressed], [
      message({ at: '2026-03-09T23:59:59Z', execution: 'x-1' }),
      message({ at: '2026-03-10T00:00:00Z', execution: 'x-2' }),
    ]);

    // Assess
    expect(violations.map((v) => [v.rule, v.path])).toEqual([[2, 'messages[1]']]);
  });
});

describe('checkReport, rule 3 (reachability)', () => {
  it('catches an SMS to a customer without a phone number', () => {
    // Prepare
    const { phone: _phone, ...withoutPhone } = customer();

    // Act
    const violations = check([{ ...withoutPhone, preferences: { channels: ['sms'] } }], [message({ step: 'text', channel: 'sms' })]);

    // Assess
    expect(rules(violations)).toEqual([3]);
  });

  it('follows profile events that remove and add contact points, in time order', () => {
    // Prepare
    const events: ScenarioEvent[] = [
      { at: '2026-03-05T00:00:00Z', customerId: 'c-001', type: 'profile', changes: { email: 'new@example.com' } },
      { at: '2026-03-03T00:00:00Z', customerId: 'c-001', type: 'profile', changes: { email: null } },
    ];

    // Act
    const violations = check(
      [customer()],
      [
        message({ at: '2026-03-02T15:00:00Z', execution: 'x-1' }),
        message({ at: '2026-03-04T15:00:00Z', execution: 'x-2' }),
        message({ at: '2026-03-05T15:00:00Z', execution: 'x-3' }),
      ],
      events,
    );

    // Assess
    expect(violations.map((v) => [v.rule, v.path])).toEqual([[3, 'messages[1]']]);
  });
});

describe('checkReport, rule 4 (quiet hours)', () => {
  it.each([
    // New York springs forward on 8 March 2026: 12:30Z is 07:30 EST before, 08:30 EDT after.
    ['America/New_York', '2026-03-07T12:30:00Z', [4]],
    ['America/New_York', '2026-03-09T12:30:00Z', []],
    ['America/New_York', '2026-03-09T11:59:59Z', [4]],
    // ...and falls back on 1 November: 12:30Z is 08:30 EDT before, 07:30 EST after.
    ['America/New_York', '2026-10-31T12:30:00Z', []],
    ['America/New_York', '2026-11-02T12:30:00Z', [4]],
    // London: BST from 29 March, GMT again from 25 October.
    ['Europe/London', '2026-03-28T07:30:00Z', [4]],
    ['Europe/London', '2026-03-30T07:30:00Z', []],
    ['Europe/London', '2026-10-24T07:30:00Z', []],
    ['Europe/London', '2026-10-26T07:30:00Z', [4]],
    ['Europe/London', '2026-10-26T20:59:59Z', []],
    ['Europe/London', '2026-10-26T21:00:00Z', [4]],
    // Kolkata is +05:30 all year: 02:29Z is 07:59, 02:30Z is 08:00 (the end is not quiet).
    ['Asia/Kolkata', '2026-03-10T02:29:00Z', [4]],
    ['Asia/Kolkata', '2026-03-10T02:30:00Z', []],
    ['Asia/Kolkata', '2026-03-10T15:29:59Z', []],
    ['Asia/Kolkata', '2026-03-10T15:30:00Z', [4]],
  ])('in %s, a marketing email at %s breaks rules %j', (timezone, at, expected) => {
    // Act
    const violations = check([customer({ timezone, preferences: quietNights })], [message({ at })]);

    // Assess
    expect(rules(violations)).toEqual(expected);
  });

  it('judges quiet hours that fall in the hour New York skips by the wall clock', () => {
    // Prepare: 01:30–02:30 local; on 8 March 2026, 01:59:59 EST is followed by 03:00 EDT.
    const night = customer({ preferences: { quietHours: { start: '01:30', end: '02:30' } } });

    // Act
    const inside = check([night], [message({ at: '2026-03-08T06:45:00Z' })]);
    const afterJump = check([night], [message({ at: '2026-03-08T07:00:00Z' })]);

    // Assess
    expect(rules(inside)).toEqual([4]);
    expect(afterJump).toEqual([]);
  });

  it('holds marketing SMS to 08:00–21:00 local without any preferences', () => {
    // Prepare
    const texts = (at: string, execution: string) => message({ step: 'text', channel: 'sms', at, execution });

    // Act
    const violations = check([customer({ timezone: 'Asia/Kolkata' })], [
      texts('2026-03-10T02:29:59Z', 'x-1'), // 07:59:59
      texts('2026-03-10T02:30:00Z', 'x-2'), // 08:00
      texts('2026-03-10T15:29:59Z', 'x-3'), // 20:59:59
      texts('2026-03-10T15:30:00Z', 'x-4'), // 21:00
    ]);

    // Assess
    expect(violations.map((v) => [v.rule, v.path])).toEqual([
      [4, 'messages[0]'],
      [4, 'messages[3]'],
    ]);
  });

  it('lets transactional messages and mail through at night', () => {
    // Prepare
    const night = '2026-03-03T04:00:00Z'; // 23:00 EST

    // Act
    const violations = check([customer({ preferences: quietNights })], [
      message({ channel: 'mail', at: night, execution: 'x-2' }),
      message({ step: 'receipt', topic: 'transactional', channel: 'email', at: night, execution: 'x-1' }),
    ]);

    // Assess: mail is third on the ladder, but email and SMS are both in quiet hours at 23:00.
    expect(violations).toEqual([]);
  });

  it('reads local time in the zone a profile event moved the customer to', () => {
    // Prepare: 03:00Z is 22:00 in New York (quiet) but 08:30 in Kolkata.
    const move: ScenarioEvent = { at: '2026-03-05T00:00:00Z', customerId: 'c-001', type: 'profile', changes: { timezone: 'Asia/Kolkata' } };

    // Act
    const violations = check([customer({ preferences: quietNights })], [
      message({ at: '2026-03-04T03:00:00Z', execution: 'x-1' }),
      message({ at: '2026-03-06T03:00:00Z', execution: 'x-2' }),
    ], [move]);

    // Assess
    expect(violations.map((v) => [v.rule, v.path])).toEqual([[4, 'messages[0]']]);
  });
});

describe('checkReport, rule 5 (preferred window)', () => {
  const evenings = { preferredWindow: { start: '17:00', end: '20:00' } };

  it.each([
    ['2026-03-02T22:00:00Z', []], // 17:00 EST: the opening is inside
    ['2026-03-02T21:59:59Z', [5]],
    ['2026-03-03T00:59:59Z', []], // 19:59:59
    ['2026-03-03T01:00:00Z', [5]], // 20:00: the end is outside
    ['2026-03-09T21:00:00Z', []], // 17:00 EDT, after the spring change
  ])('a marketing email at %s breaks rules %j', (at, expected) => {
    // Act
    const violations = check([customer({ preferences: evenings })], [message({ at })]);

    // Assess
    expect(rules(violations)).toEqual(expected);
  });

  it('does not hold transactional messages to the window', () => {
    // Act
    const violations = check([customer({ preferences: evenings })], [message({ step: 'receipt', topic: 'transactional', at: '2026-03-02T15:00:00Z' })]);

    // Assess
    expect(violations).toEqual([]);
  });
});

describe('checkReport, rule 6 (frequency cap)', () => {
  const capped = (maxPerWeek: number) => customer({ preferences: { maxPerWeek } });
  const sendAt = (at: string, execution: string, step = 'offer', channel: ReportMessage['channel'] = 'email') =>
    message({ at, execution, step, channel });

  it('catches a third marketing message within 7 days when the cap is 2, across steps and channels', () => {
    // Act
    const violations = check([capped(2)], [
      sendAt('2026-03-02T15:00:00Z', 'x-1'),
      sendAt('2026-03-04T15:00:00Z', 'x-1', 'text', 'sms'),
      sendAt('2026-03-09T14:59:59Z', 'x-2'),
    ]);

    // Assess
    expect(violations.map((v) => [v.rule, v.path])).toEqual([[6, 'messages[2]']]);
  });

  it('does not count a message exactly 7 days earlier', () => {
    // Act
    const violations = check([capped(2)], [
      sendAt('2026-03-02T15:00:00Z', 'x-1'),
      sendAt('2026-03-04T15:00:00Z', 'x-2'),
      sendAt('2026-03-09T15:00:00Z', 'x-3'),
    ]);

    // Assess
    expect(violations).toEqual([]);
  });

  it('does not count transactional messages', () => {
    // Act
    const violations = check([capped(1)], [
      sendAt('2026-03-02T15:00:00Z', 'x-1'),
      message({ step: 'receipt', topic: 'transactional', at: '2026-03-02T16:00:00Z', execution: 'x-1' }),
      message({ step: 'receipt', topic: 'transactional', at: '2026-03-02T17:00:00Z', execution: 'x-2' }),
    ]);

    // Assess
    expect(violations).toEqual([]);
  });

  it('counts each customer on their own', () => {
    // Prepare
    const other = customer({ id: 'c-002', preferences: { maxPerWeek: 1 } });

    // Act
    const violations = check([capped(1), other], [
      sendAt('2026-03-02T15:00:00Z', 'x-1'),
      message({ customerId: 'c-002', execution: 'x-9', at: '2026-03-02T15:00:00Z' }),
    ]);

    // Assess
    expect(violations).toEqual([]);
  });

  it('catches any marketing message when the cap is 0', () => {
    // Act
    const violations = check([capped(0)], [sendAt('2026-03-02T15:00:00Z', 'x-1')]);

    // Assess
    expect(rules(violations)).toEqual([6]);
  });

  it('judges each message by the cap in force when it was sent', () => {
    // Prepare
    const lower: ScenarioEvent = { at: '2026-03-03T00:00:00Z', customerId: 'c-001', type: 'profile', changes: { preferences: { maxPerWeek: 1 } } };

    // Act
    const violations = check([capped(3)], [sendAt('2026-03-02T15:00:00Z', 'x-1'), sendAt('2026-03-02T16:00:00Z', 'x-2'), sendAt('2026-03-03T15:00:00Z', 'x-3')], [lower]);

    // Assess
    expect(violations.map((v) => [v.rule, v.path])).toEqual([[6, 'messages[2]']]);
  });
});

describe('checkReport, rule 7 (channel choice)', () => {
  it('catches a marketing message on a channel the customer left out of their preferences', () => {
    // Act
    const violations = check([customer({ preferences: { channels: ['sms', 'mail'] } })], [message({ channel: 'email', at: '2026-03-02T03:00:00Z' })]);

    // Assess
    expect(rules(violations)).toEqual([7]);
  });

  it('catches a channel used while an earlier one in the customer’s order passed rules 1–4', () => {
    // Prepare: 15:00Z is 10:00 in New York, inside the SMS hours.
    const smsFirst = customer({ preferences: { channels: ['sms', 'email'] } });

    // Act
    const violations = check([smsFirst], [message({ channel: 'email', at: '2026-03-02T15:00:00Z' })]);

    // Assess
    expect(rules(violations)).toEqual([7]);
    expect(violations[0]?.why).toMatch(/^sms comes before email/);
  });

  it('passes the next channel when the earlier one is outside its hours, suppressed or unconsented', () => {
    // Prepare
    const smsFirst = customer({ preferences: { channels: ['sms', 'email'] } });
    const revokedSms = customer({
      preferences: { channels: ['sms', 'email'] },
      consents: [
        { channel: 'sms', topic: 'marketing', status: 'revoked', at: '2026-02-01T00:00:00Z', source: 'stop' },
        { channel: 'email', topic: 'marketing', status: 'granted', at: '2026-02-01T00:00:00Z', source: 'web-form' },
      ],
    });
    const blockedSms = customer({ preferences: { channels: ['sms', 'email'] }, suppressions: [{ channel: 'sms', reason: 'carrier_blocked', at: '2026-02-01T00:00:00Z' }] });

    // Act
    const night = check([smsFirst], [message({ channel: 'email', at: '2026-03-03T03:00:00Z' })]); // 22:00 local
    const revoked = check([revokedSms], [message({ channel: 'email' })]);
    const blocked = check([blockedSms], [message({ channel: 'email' })]);

    // Assess
    expect([night, revoked, blocked]).toEqual([[], [], []]);
  });

  it('passes over a channel whose allowed hours never open', () => {
    // Prepare: no email address; a 01:30–03:30 window leaves marketing SMS no legal minute, so
    // mail may carry the offer; a 09:00–12:00 window does open for SMS.
    const { email: _email, ...noEmail } = customer();
    const nightOwl = { ...noEmail, preferences: { preferredWindow: { start: '01:30', end: '03:30' } } };
    const morning = { ...noEmail, preferences: { preferredWindow: { start: '09:00', end: '12:00' } } };
    const at = '2026-10-22T13:00:00Z'; // 09:00 EDT

    // Act
    const neverOpens = check([nightOwl], [message({ channel: 'mail', at })]);
    const opens = check([morning], [message({ channel: 'mail', at })]);

    // Assess
    expect(neverOpens).toEqual([]);
    expect(opens.map((v) => [v.rule, v.why])).toEqual([[7, expect.stringMatching(/^sms comes before mail/)]]);
  });

  it('uses the step’s own order without preferences', () => {
    // Act
    const overEmail = check([customer()], [message({ channel: 'sms' })]);
    const { email: _email, ...noEmail } = customer();
    const fallback = check([noEmail], [message({ channel: 'sms' })]);

    // Assess
    expect(rules(overEmail)).toEqual([7]);
    expect(fallback).toEqual([]);
  });

  it('catches a channel the step does not allow', () => {
    // Act
    const violations = check([customer()], [message({ step: 'text', channel: 'email' })]);

    // Assess
    expect(rules(violations)).toEqual([7]);
    expect(violations[0]?.why).toBe('the step allows sms, not email');
  });

  it('lets a transactional message use a channel missing from the preferences when the preferred ones cannot carry it', () => {
    // Prepare
    const { phone: _phone, ...noPhone } = customer({ preferences: { channels: ['sms'] } });
    const withPhone = customer({ preferences: { channels: ['sms'] } });
    const receipt = message({ step: 'receipt', topic: 'transactional', channel: 'email' });

    // Act
    const unreachableSms = check([noPhone], [receipt]);
    const reachableSms = check([withPhone], [receipt]);

    // Assess
    expect(unreachableSms).toEqual([]);
    expect(rules(reachableSms)).toEqual([7]);
  });

  it('reads a catalog journey’s steps for the channels they allow', () => {
    // Prepare
    const json = sharedScenarioJson();
    const forScenario = parseScenario(json, { knownJourneys: Object.keys(journeys) });
    const smsWelcome: ReportMessage = {
      customerId: 'c-001',
      journey: 'welcome',
      execution: 'welcome-c-001-signed_up-1',
      step: 'welcome-email',
      channel: 'sms',
      topic: 'marketing',
      at: '2026-03-02T15:00:00Z',
    };

    // Act
    const violations = checkReport(forScenario, report(forScenario, [smsWelcome]));

    // Assess
    expect(rules(violations)).toEqual([7]);
  });
});

describe('checkReport, rule 8 (once)', () => {
  it('catches a second message from the same step of the same execution', () => {
    // Act
    const violations = check([customer()], [
      message({ at: '2026-03-02T15:00:00Z' }),
      message({ at: '2026-03-02T15:00:05Z' }),
    ]);

    // Assess
    expect(violations.map((v) => [v.rule, v.path])).toEqual([[8, 'messages[1]']]);
  });

  it('passes the same step in two executions', () => {
    // Act
    const violations = check([customer()], [message({ execution: 'x-1' }), message({ execution: 'x-2', at: '2026-03-03T15:00:00Z' })]);

    // Assess
    expect(violations).toEqual([]);
  });
});

describe('checkReport, structure', () => {
  const skip = (overrides: Partial<ReportSkip> = {}): ReportSkip => ({
    customerId: 'c-001',
    journey: 'ladder',
    execution: 'ladder-c-001-signed_up-1',
    step: 'text',
    reason: 'no_consent',
    at: '2026-03-02T15:00:00Z',
    ...overrides,
  });

  it('catches lists out of order by at, customerId and step', () => {
    // Prepare
    const forScenario = scenario([customer(), customer({ id: 'c-002' })]);
    const messages = [
      message({ at: '2026-03-02T15:00:00Z', customerId: 'c-002', execution: 'x-2' }),
      message({ at: '2026-03-02T10:00:00-05:00', customerId: 'c-001', execution: 'x-1' }),
    ];
    const skipped = [skip({ step: 'text' }), skip({ step: 'receipt' })];

    // Act
    const violations = checkReport(forScenario, report(forScenario, messages, skipped));

    // Assess
    expect(violations.map((v) => [v.rule, v.path])).toEqual([
      ['structure', 'messages[1]'],
      ['structure', 'skipped[1]'],
    ]);
  });

  it('catches a summary that does not match the lists', () => {
    // Prepare
    const forScenario = scenario([customer()]);
    const wrong: Report = { ...report(forScenario, [message()], [skip()]), summary: { messages: 1, skipped: 1, byChannel: { sms: 1 }, byReason: { no_consent: 2 } } };

    // Act
    const violations = checkReport(forScenario, wrong);

    // Assess
    expect(violations.map((v) => v.path)).toEqual(['summary.byChannel.email', 'summary.byChannel.sms', 'summary.byReason.no_consent']);
  });

  it('catches entries for unknown customers, journeys, steps, times outside the run and a wrong topic', () => {
    // Prepare
    const forScenario = scenario([customer()]);
    const messages = [
      message({ step: 'receipt', topic: 'marketing', execution: 'x-3', at: '2026-03-02T15:00:00Z' }),
      message({ customerId: 'c-404', execution: 'x-2', at: '2026-03-02T15:00:00Z' }),
      message({ at: '2027-01-01T00:00:01Z' }),
    ];
    const skipped = [skip({ journey: 'welcome' }), skip({ step: 'nowhere', at: '2026-03-03T00:00:00Z' })];

    // Act
    const violations = checkReport(forScenario, { ...report(forScenario, messages, skipped) });

    // Assess
    expect(violations.map((v) => `${String(v.rule)} ${v.path} ${v.why}`)).toEqual([
      'structure messages[1] customer "c-404" is not in the scenario',
      'structure messages[2] at 2027-01-01T00:00:01Z is outside the scenario\'s start–until',
      'structure skipped[0] journey "welcome" is not one of the scenario\'s journeys',
      'structure skipped[1] journey "ladder" has no send step "nowhere"',
      'structure messages[0] topic "marketing" is not the step\'s topic "transactional"',
    ]);
  });

  it('catches a customers list that misses or repeats a scenario customer', () => {
    // Prepare
    const forScenario = scenario([customer(), customer({ id: 'c-002' })]);
    const base = report(forScenario, []);
    const wrong: Report = { ...base, customers: [{ id: 'c-001', stage: 'active' }, { id: 'c-001', stage: 'active' }, { id: 'c-404', stage: 'active' }] };

    // Act
    const violations = checkReport(forScenario, wrong);

    // Assess
    expect(violations.map((v) => [v.path, v.why])).toEqual([
      ['customers[1]', 'customer "c-001" repeats customers[0]'],
      ['customers[2]', 'customer "c-404" is not in the scenario'],
      ['customers', 'scenario customer "c-002" is missing'],
    ]);
  });
});

describe('checkReport on the shared revocation scenario', () => {
  function sharedScenario(): Scenario {
    return parseScenario(sharedScenarioJson(), { knownJourneys: Object.keys(journeys) });
  }

  /** What a correct simulator reports, worked out by hand from the welcome journey. */
  const compliant: ReportMessage[] = [
    // c-002 signs up at 19:00 Tokyo, inside their 18:00–21:00 window: welcome goes at once.
    { customerId: 'c-002', journey: 'welcome', execution: 'welcome-c-002-signed_up-1', step: 'welcome-email', channel: 'email', topic: 'marketing', at: '2026-03-02T10:00:00Z' },
    // c-001 signs up at 05:00 New York, inside quiet hours: welcome waits for 08:00 EST.
    { customerId: 'c-001', journey: 'welcome', execution: 'welcome-c-001-signed_up-1', step: 'welcome-email', channel: 'email', topic: 'marketing', at: '2026-03-02T13:00:00Z' },
    { customerId: 'c-002', journey: 'welcome', execution: 'welcome-c-002-signed_up-1', step: 'tips-email', channel: 'email', topic: 'marketing', at: '2026-03-04T10:00:00Z' },
    { customerId: 'c-001', journey: 'welcome', execution: 'welcome-c-001-signed_up-1', step: 'tips-email', channel: 'email', topic: 'marketing', at: '2026-03-04T13:00:00Z' },
    // c-002's nudge a week after tips: the tips email is exactly 7 days old and no longer counts.
    { customerId: 'c-002', journey: 'welcome', execution: 'welcome-c-002-signed_up-1', step: 'first-purchase-nudge', channel: 'email', topic: 'marketing', at: '2026-03-11T10:00:00Z' },
    // c-001 revoked email on 5 March: the nudge goes by SMS, at 09:00 EDT.
    { customerId: 'c-001', journey: 'welcome', execution: 'welcome-c-001-signed_up-1', step: 'first-purchase-nudge', channel: 'sms', topic: 'marketing', at: '2026-03-11T13:00:00Z' },
  ];

  function reportOf(messages: ReportMessage[]): Report {
    return {
      messages,
      skipped: [],
      customers: [
        { id: 'c-001', stage: 'new_customer' },
        { id: 'c-002', stage: 'new_customer' },
      ],
      summary: summarize(messages, []),
    };
  }

  it('passes a report that obeys every rule', () => {
    // Act
    const violations = checkReport(sharedScenario(), reportOf(compliant));

    // Assess
    expect(violations.map(formatViolation)).toEqual([]);
  });

  it('catches a nudge by email after the revocation', () => {
    // Prepare
    const messages = compliant.map((m) => (m.customerId === 'c-001' && m.step === 'first-purchase-nudge' ? { ...m, channel: 'email' as const } : m));

    // Act
    const violations = checkReport(sharedScenario(), reportOf(messages));

    // Assess
    expect(violations.map((v) => [v.rule, v.path])).toEqual([[1, 'messages[5]']]);
  });
});
