/**
 * The goal check of the send path and the branches: a goal counts from the later of the
 * execution's start and the entry's own instant, so the event that entered a journey is never
 * that journey's goal, even when its producer's clock runs ahead of Step Functions'; a launch's
 * entry counts from the launch instant, however much later its execution starts.
 */
import fc from 'fast-check';
import type { CustomerSnapshot } from '../../lib/customer/model';
import { goalCountsAfter, isGoalReached, isGoalReachedAtStep, lastEventAttribute } from '../../lib/journeys/event-history';

/** How far ahead of its clock ingest takes an event's time (MAX_CLOCK_SKEW_MS of customer-event.ts). */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const STARTED = '2026-03-02T10:00:00.000Z';
const at = (offsetMs: number): string => new Date(Date.parse(STARTED) + offsetMs).toISOString();

/** A customer whose latest order is at `orderAt` (as ingest keeps it), or who never ordered. */
function withOrderAt(orderAt?: string): CustomerSnapshot {
  return {
    profile: { customerId: 'c-001', stage: 'active', timezone: 'UTC', updatedAt: '2026-03-01T00:00:00Z' },
    consents: [],
    preferences: {},
    suppressions: [],
    attributes: orderAt === undefined ? {} : { [lastEventAttribute('order_placed')]: { value: orderAt, changedAt: orderAt, touchpoint: 'web' } },
    frequency: { sends: [], version: 0 },
  };
}

describe('isGoalReached', () => {
  it('is reached by an order after the customer entered', () => {
    expect(isGoalReached(withOrderAt(at(22 * 3_600_000)), 'order_placed', STARTED, STARTED)).toBe(true);
  });

  it('is not reached by the order that started the journey, at the entry instant', () => {
    expect(isGoalReached(withOrderAt(STARTED), 'order_placed', STARTED, STARTED)).toBe(false);
  });

  it('is not reached by the order that started the journey when its producer stamped it ahead of the execution start', () => {
    // Prepare: the producer's clock is two minutes ahead of Step Functions'.
    const entryAt = at(2 * 60_000);

    // Act
    const reached = isGoalReached(withOrderAt(entryAt), 'order_placed', STARTED, entryAt);

    // Assess
    expect(reached).toBe(false);
  });

  it('is reached by a later order stamped after the entry, even before the entry would be on the execution clock', () => {
    expect(isGoalReached(withOrderAt(at(3 * 60_000)), 'order_placed', STARTED, at(2 * 60_000))).toBe(true);
  });

  it('is not reached by an order before the execution started, whatever the entry instant says', () => {
    expect(isGoalReached(withOrderAt(at(-60_000)), 'order_placed', STARTED, at(-2 * 60_000))).toBe(false);
  });

  it('counts from the execution start in an execution started without the entry instant', () => {
    expect(isGoalReached(withOrderAt(at(1)), 'order_placed', STARTED)).toBe(true);
    expect(isGoalReached(withOrderAt(STARTED), 'order_placed', STARTED)).toBe(false);
  });

  it('is not reached without any such event', () => {
    expect(isGoalReached(withOrderAt(), 'order_placed', STARTED, STARTED)).toBe(false);
  });

  it('never takes an entry event stamped up to five minutes ahead of the start for the goal, and takes any order strictly after both', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_CLOCK_SKEW_MS }), fc.integer({ min: 1, max: 90 * 86_400_000 }), (aheadMs, laterMs) => {
        // Prepare
        const entryAt = at(aheadMs);

        // Act
        const byEntry = isGoalReached(withOrderAt(entryAt), 'order_placed', STARTED, entryAt);
        const byLaterOrder = isGoalReached(withOrderAt(at(aheadMs + laterMs)), 'order_placed', STARTED, entryAt);

        // Assess
        expect(byEntry).toBe(false);
        expect(byLaterOrder).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('goalCountsAfter', () => {
  it('is the later of the execution start and the entry instant', () => {
    expect(goalCountsAfter(STARTED, at(90_000))).toBe(Date.parse(at(90_000)));
    expect(goalCountsAfter(STARTED, at(-90_000))).toBe(Date.parse(STARTED));
    expect(goalCountsAfter(STARTED, undefined)).toBe(Date.parse(STARTED));
  });
});

describe('the goal of a journey a launch entered (an audience, a schedule, the inactivity scan)', () => {
  // The inactivity scan launched win-back at 03:00; a big lapse day's executions start over
  // minutes, and this customer's at 03:10.
  const launchedAt = '2026-06-01T03:00:00.000Z';
  const executionStart = '2026-06-01T03:10:00.000Z';
  const withOrder = (orderAt: string) => withOrderAt(orderAt);

  it('counts an order placed after the launch but before the execution started as the goal: no "we miss you" right after buying', () => {
    // Act: the check every win-back send step makes.
    const reached = isGoalReachedAtStep(withOrder('2026-06-01T03:05:00.000Z'), { goal: 'order_placed', enteredAt: executionStart, entry: { enteredAt: launchedAt, launched: true } });

    // Assess
    expect(reached).toBe(true);
  });

  it('does not count an order placed before the launch, which the scan saw', () => {
    expect(isGoalReachedAtStep(withOrder('2026-03-01T09:00:00.000Z'), { goal: 'order_placed', enteredAt: executionStart, entry: { enteredAt: launchedAt, launched: true } })).toBe(false);
  });

  it('still counts an event entry from the later of its start and its instant', () => {
    expect(isGoalReachedAtStep(withOrder('2026-06-01T03:05:00.000Z'), { goal: 'order_placed', enteredAt: executionStart, entry: { enteredAt: launchedAt } })).toBe(false);
    expect(goalCountsAfter(executionStart, launchedAt, true)).toBe(Date.parse(launchedAt));
  });
});
