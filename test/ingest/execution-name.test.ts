import fc from 'fast-check';
import { distinctExecutionName, entryKeyOf, executionName, MAX_EXECUTION_NAME_LENGTH } from '../../lib/ingest/execution-name';

const journeyIds = fc.stringMatching(/^[a-z][a-z0-9-]{0,31}$/);
const customerIds = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/);
const rawKeys = fc.string({ minLength: 1, maxLength: 128 });

describe('executionName', () => {
  it('reads as journey, customer and entry key when they fit', () => {
    // Act
    const name = executionName('welcome', 'c-001', 'signup-42');

    // Assess
    expect(name).toBe('welcome-c-001-signup-42');
  });

  it('stays within 80 letters, digits, "-" and "_" for any journey, customer and raw key', () => {
    fc.assert(
      fc.property(journeyIds, customerIds, rawKeys, (journey, customerId, raw) => {
        // Act
        const name = executionName(journey, customerId, raw);

        // Assess
        expect(name.length).toBeLessThanOrEqual(MAX_EXECUTION_NAME_LENGTH);
        expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(name.startsWith(`${journey}-`)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives the same name for the same entry, so a repeated start finds the first execution', () => {
    fc.assert(
      fc.property(journeyIds, customerIds, rawKeys, (journey, customerId, raw) => {
        expect(executionName(journey, customerId, raw)).toBe(executionName(journey, customerId, raw));
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps the names it gave: a retry of an entry started before a change would start under another name', () => {
    // Act
    const names = [
      executionName('active-cross-sell', 'customer-0123456789-0123456789', 'order-2026-03-02-with-a-long-suffix-0001'),
      executionName('welcome', 'c-001', '2026-03-02T10:00:00Z'),
      distinctExecutionName('welcome', 'shop', '42-signup-7'),
    ];

    // Assess
    expect(names).toEqual([
      'active-cross-sell-customer-0123456789-0123456789-order-2026-03-02-w-821ca24e0b51',
      'welcome-c-001-2026-03-02T10_00_00Z-ff662d4a341b',
      'welcome-shop-42-signup-7-1569e677efda',
    ]);
  });

  it('gives different names to different entries, even when the plain name is too long', () => {
    fc.assert(
      fc.property(journeyIds, customerIds, rawKeys, rawKeys, (journey, customerId, first, second) => {
        fc.pre(entryKeyOf(first) !== entryKeyOf(second));
        expect(executionName(journey, customerId, first)).not.toBe(executionName(journey, customerId, second));
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps the journey and the customer id readable in a shortened name', () => {
    // Prepare
    const customerId = 'customer-0123456789-0123456789';

    // Act
    const name = executionName('active-cross-sell', customerId, 'order-2026-03-02-with-a-long-suffix-0001');

    // Assess
    expect(name).toHaveLength(MAX_EXECUTION_NAME_LENGTH);
    expect(name.startsWith(`active-cross-sell-${customerId}-`)).toBe(true);
  });
});

describe('distinctExecutionName', () => {
  const dashedIds = fc.stringMatching(/^[a-z0-9]{1,6}(-[a-z0-9]{1,6}){0,4}$/);

  it('tells apart two entries whose ids make one execution name, within the limits of a name', () => {
    fc.assert(
      fc.property(journeyIds, dashedIds, dashedIds, dashedIds, (journey, head, middle, tail) => {
        // Prepare: "<head>-<middle>" under "<tail>", and "<head>" under "<middle>-<tail>".
        const first = { customerId: `${head}-${middle}`, key: tail };
        const second = { customerId: head, key: `${middle}-${tail}` };
        fc.pre(entryKeyOf(first.key) === first.key && entryKeyOf(second.key) === second.key);
        expect(executionName(journey, first.customerId, first.key)).toBe(executionName(journey, second.customerId, second.key));

        // Act
        const names = [distinctExecutionName(journey, first.customerId, first.key), distinctExecutionName(journey, second.customerId, second.key)];

        // Assess
        expect(names[0]).not.toBe(names[1]);
        names.forEach((name) => {
          expect(name).not.toBe(executionName(journey, first.customerId, first.key));
          expect(name.length).toBeLessThanOrEqual(MAX_EXECUTION_NAME_LENGTH);
          expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe('entryKeyOf', () => {
  it('keeps a plain short key as it is', () => {
    expect(entryKeyOf('order-8812')).toBe('order-8812');
  });

  it('turns an EventBridge time into a readable key with a hash, without ":"', () => {
    // Act
    const key = entryKeyOf('2026-03-02T10:00:00Z');

    // Assess
    expect(key).toMatch(/^2026-03-02T10_00_00Z-[0-9a-f]{12}$/);
  });

  it('never maps two raw keys that differ only in unsafe characters to one key', () => {
    expect(entryKeyOf('a:b')).not.toBe(entryKeyOf('a/b'));
    expect(entryKeyOf('a:b')).not.toBe('a_b');
  });
});
