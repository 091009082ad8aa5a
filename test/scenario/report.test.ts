import fc from 'fast-check';
import { DELIVERY_FAILURE_REASONS, DELIVERY_SKIP_REASONS } from '../../lib/delivery/deliver-message';
import { SKIP_REASONS } from '../../lib/permission/reasons';
import {
  REPORT_SKIP_REASONS,
  ReportSchema,
  formatInstant,
  serializeReport,
  summarize,
  type Report,
  type ReportMessage,
  type ReportSkip,
} from '../../lib/scenario/report';

const CONTRACT_EXAMPLE: Report = {
  messages: [
    {
      customerId: 'c-001',
      journey: 'welcome',
      execution: 'welcome-c-001-signed_up-1',
      step: 'welcome-email',
      channel: 'email',
      topic: 'marketing',
      at: '2026-03-02T22:00:00Z',
    },
  ],
  skipped: [
    { customerId: 'c-001', journey: 'welcome', execution: 'welcome-c-001-signed_up-1', step: 'tips-email', reason: 'no_consent', at: '2026-03-09T22:00:00Z' },
  ],
  customers: [{ id: 'c-001', stage: 'new_customer' }],
  summary: { messages: 1, skipped: 1, byChannel: { email: 1 }, byReason: { no_consent: 1 } },
};

const messageArb: fc.Arbitrary<ReportMessage> = fc.record({
  customerId: fc.constantFrom('c-001', 'c-002', 'c-010'),
  journey: fc.constantFrom('welcome', 'win-back'),
  execution: fc.constantFrom('x-1', 'x-2'),
  step: fc.constantFrom('welcome-email', 'tips-email', 'nudge'),
  channel: fc.constantFrom('email', 'sms', 'mail'),
  topic: fc.constantFrom('marketing', 'transactional'),
  // Few distinct instants, so ties on `at` are common; some written with an offset.
  at: fc.constantFrom('2026-03-02T22:00:00Z', '2026-03-02T22:00:00.000Z', '2026-03-02T17:00:00-05:00', '2026-03-02T21:59:59.500Z', '2026-03-03T08:00:00+05:30'),
});

const skipArb: fc.Arbitrary<ReportSkip> = fc.record({
  customerId: fc.constantFrom('c-001', 'c-002'),
  journey: fc.constantFrom('welcome', 'win-back'),
  execution: fc.constantFrom('x-1', 'x-2'),
  step: fc.constantFrom('welcome-email', 'tips-email'),
  reason: fc.constantFrom(...REPORT_SKIP_REASONS),
  at: fc.constantFrom('2026-03-02T22:00:00Z', '2026-03-05T10:00:00Z'),
});

const reportArb: fc.Arbitrary<Report> = fc
  .record({
    messages: fc.array(messageArb, { maxLength: 12 }),
    skipped: fc.array(skipArb, { maxLength: 8 }),
    customers: fc.uniqueArray(fc.record({ id: fc.constantFrom('c-001', 'c-002', 'c-010', 'c-003'), stage: fc.constantFrom('prospect', 'active') }), {
      selector: (customer) => customer.id,
    }),
  })
  .map((lists) => ({ ...lists, summary: summarize(lists.messages, lists.skipped) }));

/** The same report with every list (and the summary's keys) in another order. */
function shuffled(report: Report, order: number[]): Report {
  const permute = <T>(list: readonly T[]): T[] => list.map((item, index) => ({ item, key: order[index % order.length] ?? 0 })).sort((a, b) => a.key - b.key).map(({ item }) => item);
  const reverseKeys = <T extends object>(record: T): T => Object.fromEntries(Object.entries(record).reverse()) as T;
  return {
    messages: permute(report.messages),
    skipped: permute(report.skipped),
    customers: permute(report.customers),
    summary: { byReason: reverseKeys(report.summary.byReason), byChannel: reverseKeys(report.summary.byChannel), skipped: report.summary.skipped, messages: report.summary.messages },
  } as Report;
}

describe('REPORT_SKIP_REASONS', () => {
  it('is exactly the gate skip reasons plus the send path skip and failure reasons, and send_failed', () => {
    // Act: send_failed is a send step that failed after its retries (lib/simulate/simulate.ts)
    const expected = [...SKIP_REASONS, ...DELIVERY_SKIP_REASONS, ...DELIVERY_FAILURE_REASONS, 'send_failed'];

    // Assess
    expect([...REPORT_SKIP_REASONS].sort()).toEqual([...expected].sort());
    expect(new Set(REPORT_SKIP_REASONS).size).toBe(REPORT_SKIP_REASONS.length);
  });

  it('includes the four reasons the contract requires', () => {
    // Assess
    expect(REPORT_SKIP_REASONS).toEqual(expect.arrayContaining(['no_consent', 'suppressed', 'unreachable', 'frequency_capped']));
  });
});

describe('ReportSchema', () => {
  it('accepts the example report of the contract', () => {
    // Act
    const result = ReportSchema.safeParse(CONTRACT_EXAMPLE);

    // Assess
    expect(result.success).toBe(true);
  });

  it('rejects a skip reason outside the closed set', () => {
    // Prepare
    const report = { ...CONTRACT_EXAMPLE, skipped: [{ ...CONTRACT_EXAMPLE.skipped[0], reason: 'felt_like_it' }] };

    // Act
    const result = ReportSchema.safeParse(report);

    // Assess
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([['skipped', 0, 'reason']]);
  });
});

describe('serializeReport', () => {
  it('writes the contract example as 2-space JSON with a trailing newline', () => {
    // Act
    const text = serializeReport(CONTRACT_EXAMPLE);

    // Assess
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "messages": [\n    {\n      "customerId": "c-001",');
    expect(JSON.parse(text)).toEqual(CONTRACT_EXAMPLE);
  });

  it('sorts both lists by at, then customerId, then step, comparing instants rather than text', () => {
    // Prepare
    const base = CONTRACT_EXAMPLE.messages[0] as ReportMessage;
    const report: Report = {
      ...CONTRACT_EXAMPLE,
      messages: [
        { ...base, customerId: 'c-002', at: '2026-03-02T22:00:00Z', step: 'a-step' },
        { ...base, customerId: 'c-001', at: '2026-03-02T22:00:00Z', step: 'z-step' },
        { ...base, customerId: 'c-001', at: '2026-03-02T22:00:00Z', step: 'b-step' },
        // 21:30 UTC: earlier than the others, though its text sorts after them.
        { ...base, customerId: 'c-009', at: '2026-03-03T03:00:00+05:30', step: 'a-step' },
      ],
    };

    // Act
    const messages = (JSON.parse(serializeReport(report)) as Report).messages;

    // Assess
    expect(messages.map((m) => `${m.at} ${m.customerId} ${m.step}`)).toEqual([
      '2026-03-02T21:30:00Z c-009 a-step',
      '2026-03-02T22:00:00Z c-001 b-step',
      '2026-03-02T22:00:00Z c-001 z-step',
      '2026-03-02T22:00:00Z c-002 a-step',
    ]);
  });

  it('sorts customers by id and the summary maps by key', () => {
    // Prepare
    const report: Report = {
      ...CONTRACT_EXAMPLE,
      customers: [
        { id: 'c-010', stage: 'active' },
        { id: 'c-002', stage: 'prospect' },
      ],
      summary: { messages: 0, skipped: 0, byChannel: { sms: 2, email: 1 }, byReason: { suppressed: 1, no_consent: 3 } },
    };

    // Act
    const text = serializeReport(report);

    // Assess
    expect(text.indexOf('"c-002"')).toBeLessThan(text.indexOf('"c-010"'));
    expect(text.indexOf('"email"')).toBeLessThan(text.indexOf('"sms"'));
    expect(text.indexOf('"no_consent"')).toBeLessThan(text.indexOf('"suppressed"'));
  });

  it('gives byte-identical output for the same report in any order', () => {
    fc.assert(
      fc.property(reportArb, fc.array(fc.integer(), { minLength: 1, maxLength: 20 }), (report, order) => {
        // Act
        const once = serializeReport(report);
        const again = serializeReport(shuffled(report, order));

        // Assess
        expect(again).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });

  it('writes output that parses back to a valid report and serializes to itself', () => {
    fc.assert(
      fc.property(reportArb, (report) => {
        // Act
        const text = serializeReport(report);
        const parsed = ReportSchema.parse(JSON.parse(text));

        // Assess
        expect(serializeReport(parsed)).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('formatInstant', () => {
  it.each([
    ['2026-03-02T17:00:00-05:00', '2026-03-02T22:00:00Z'],
    ['2026-03-02T22:00:00.000Z', '2026-03-02T22:00:00Z'],
    ['2026-03-02T22:00:00.250Z', '2026-03-02T22:00:00.250Z'],
  ])('writes %s as %s', (input, output) => {
    // Act & Assess
    expect(formatInstant(input)).toBe(output);
  });
});

describe('summarize', () => {
  it('counts messages by channel and skips by reason, with only the keys that occur', () => {
    // Act
    const summary = summarize(CONTRACT_EXAMPLE.messages, [...CONTRACT_EXAMPLE.skipped, ...CONTRACT_EXAMPLE.skipped]);

    // Assess
    expect(summary).toEqual({ messages: 1, skipped: 2, byChannel: { email: 1 }, byReason: { no_consent: 2 } });
  });
});
