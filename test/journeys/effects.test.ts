import fc from 'fast-check';
import { DateTime } from 'luxon';
import type { AttributeState, CustomerSnapshot, LifecycleStage } from '../../lib/customer/model';
import {
  CustomerNotFoundError,
  attributeDateWaitEnd,
  bucketOf,
  conditionHolds,
  firstMatchingRule,
  localTimeWaitEnd,
  performJourneyEffect,
  toWaitTimestamp,
  type JourneyEffectsPorts,
  type JourneyOutcome,
  type StageChange,
} from '../../lib/journeys/effects';
import { conditionInstant } from '../../lib/journeys/conditions';
import { lastEventAttribute } from '../../lib/journeys/event-history';
import { WEEKDAYS, type AttributeDateWait, type Condition, type Weekday } from '../../lib/journeys/format';

const NOW = new Date('2026-03-02T14:00:00Z');

function snapshot(options: { stage?: LifecycleStage; timezone?: string; attributes?: Record<string, AttributeState> } = {}): CustomerSnapshot {
  return {
    profile: { customerId: 'c-001', stage: options.stage ?? 'prospect', timezone: options.timezone ?? 'America/New_York', updatedAt: '2026-03-01T00:00:00Z' },
    consents: [],
    preferences: {},
    suppressions: [],
    attributes: options.attributes ?? {},
    frequency: { sends: [], version: 0 },
  };
}

describe('bucketOf', () => {
  it('gives the same bucket 0–99 for the same customer, journey and step, every time', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/), fc.stringMatching(/^[a-z][a-z0-9-]{0,31}$/), (customerId, journeyId) => {
        // Act
        const first = bucketOf(customerId, journeyId, 'holdout');
        const second = bucketOf(customerId, journeyId, 'holdout');

        // Assess
        expect(first).toBe(second);
        expect(Number.isInteger(first) && first >= 0 && first <= 99).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('holds out about 10% of customers, independently of a later split in the same journey', () => {
    // Prepare
    const customers = Array.from({ length: 20000 }, (_, index) => `c-${index}`);

    // Act
    const heldOut = customers.filter((id) => bucketOf(id, 'win-back', 'holdout') < 10);
    const inArmA = customers.filter((id) => bucketOf(id, 'win-back', 'split') < 50);
    const heldOutAmongArmA = inArmA.filter((id) => bucketOf(id, 'win-back', 'holdout') < 10);

    // Assess
    expect(heldOut.length / customers.length).toBeGreaterThan(0.09);
    expect(heldOut.length / customers.length).toBeLessThan(0.11);
    expect(heldOutAmongArmA.length / inArmA.length).toBeGreaterThan(0.085);
    expect(heldOutAmongArmA.length / inArmA.length).toBeLessThan(0.115);
  });
});

describe('conditionHolds', () => {
  const customer = snapshot({
    stage: 'active',
    attributes: {
      interests: { value: ['running', 'yoga'], changedAt: '2026-02-20T00:00:00Z', touchpoint: 'web' },
      tier: { value: 'gold', changedAt: '2025-06-01T00:00:00Z', touchpoint: 'import' },
      orders: { value: 4, changedAt: '2026-01-10T00:00:00Z' },
      [lastEventAttribute('store_visit')]: { value: '2026-02-25T16:00:00Z', changedAt: '2026-02-25T16:00:00Z', touchpoint: 'store' },
      newsletter: { value: null, changedAt: '2026-01-01T00:00:00Z' },
    },
  });

  it.each<[string, Condition, boolean]>([
    ['stage in', { kind: 'stage', in: ['active', 'loyal'] }, true],
    ['stage not in', { kind: 'stage', in: ['prospect'] }, false],
    ['attribute exists', { kind: 'attribute', attribute: 'tier', op: 'exists' }, true],
    ['a null attribute does not exist', { kind: 'attribute', attribute: 'newsletter', op: 'exists' }, false],
    ['a missing attribute does not exist', { kind: 'attribute', attribute: 'birthday', op: 'notExists' }, true],
    ['equals', { kind: 'attribute', attribute: 'tier', op: 'equals', value: 'gold' }, true],
    ['notEquals', { kind: 'attribute', attribute: 'tier', op: 'notEquals', value: 'gold' }, false],
    ['in', { kind: 'attribute', attribute: 'tier', op: 'in', value: ['gold', 'platinum'] }, true],
    ['notIn', { kind: 'attribute', attribute: 'tier', op: 'notIn', value: ['gold', 'platinum'] }, false],
    ['notEquals holds for a missing attribute', { kind: 'attribute', attribute: 'region', op: 'notEquals', value: 'eu' }, true],
    ['notIn holds for a missing attribute', { kind: 'attribute', attribute: 'region', op: 'notIn', value: ['eu', 'us'] }, true],
    ['notEquals holds for a null attribute', { kind: 'attribute', attribute: 'newsletter', op: 'notEquals', value: 'weekly' }, true],
    ['equals fails for a missing attribute', { kind: 'attribute', attribute: 'region', op: 'equals', value: 'eu' }, false],
    ['in fails for a missing attribute', { kind: 'attribute', attribute: 'region', op: 'in', value: ['eu', 'us'] }, false],
    ['contains', { kind: 'attribute', attribute: 'interests', op: 'contains', value: 'yoga' }, true],
    ['contains on a missing item', { kind: 'attribute', attribute: 'interests', op: 'contains', value: 'golf' }, false],
    ['gte', { kind: 'attribute', attribute: 'orders', op: 'gte', value: 4 }, true],
    ['gt', { kind: 'attribute', attribute: 'orders', op: 'gt', value: 4 }, false],
    ['lt on a string attribute', { kind: 'attribute', attribute: 'tier', op: 'lt', value: 4 }, false],
    ['interests changed in the last 30 days', { kind: 'changedWithin', attribute: 'interests', days: 30 }, true],
    ['interests changed in the last 7 days', { kind: 'changedWithin', attribute: 'interests', days: 7 }, false],
    ['interests changed on the web lately', { kind: 'changedWithin', attribute: 'interests', days: 30, touchpoints: ['web'] }, true],
    ['interests changed in store lately', { kind: 'changedWithin', attribute: 'interests', days: 30, touchpoints: ['store'] }, false],
    ['visited the store this month', { kind: 'touchpointWithin', touchpoints: ['store'], days: 30 }, true],
    ['called in the last 30 days', { kind: 'touchpointWithin', touchpoints: ['phone'], days: 30 }, false],
    ['store visit event this month', { kind: 'eventWithin', event: 'store_visit', days: 30 }, true],
    ['store visit event this week', { kind: 'eventWithin', event: 'store_visit', days: 3 }, false],
  ])('%s', (_name, condition, expected) => {
    // Act
    const holds = conditionHolds(condition, customer, NOW);

    // Assess
    expect(holds).toBe(expected);
  });

  it('leaves out of touchpointWithin what the entry event itself taught, and only that', () => {
    // Prepare: the store visit is the event that entered (its records carry its instant)
    const storeVisit: Condition = { kind: 'touchpointWithin', touchpoints: ['store'], days: 30 };
    const web: Condition = { kind: 'touchpointWithin', touchpoints: ['web'], days: 30 };

    // Act
    const byEntry = conditionHolds(storeVisit, customer, NOW, '2026-02-25T16:00:00.000Z');
    const besidesEntry = conditionHolds(web, customer, NOW, '2026-02-25T16:00:00.000Z');
    const enteredLater = conditionHolds(storeVisit, customer, NOW, '2026-02-27T09:00:00.000Z');

    // Assess
    expect([byEntry, besidesEntry, enteredLater]).toEqual([false, true, true]);
  });

  it('takes the first rule whose conditions all hold, or -1', () => {
    // Prepare
    const rules: Condition[][] = [
      [{ kind: 'stage', in: ['active'] }, { kind: 'attribute', attribute: 'tier', op: 'equals', value: 'platinum' }],
      [{ kind: 'stage', in: ['active'] }, { kind: 'touchpointWithin', touchpoints: ['store'], days: 30 }],
      [{ kind: 'stage', in: ['active'] }],
    ];

    // Act
    const match = firstMatchingRule(rules, customer, NOW);
    const none = firstMatchingRule([[{ kind: 'stage', in: ['lapsed'] }]], customer, NOW);

    // Assess
    expect(match).toBe(1);
    expect(none).toBe(-1);
  });
});

describe('conditionInstant', () => {
  it('is the entry\'s instant when the producer stamped it ahead of the clock, and the clock otherwise', () => {
    // Act
    const instants = [conditionInstant(NOW, '2026-03-02T14:03:00Z'), conditionInstant(NOW, '2026-03-02T13:00:00Z'), conditionInstant(NOW)];

    // Assess
    expect(instants.map((instant) => instant.toISOString())).toEqual(['2026-03-02T14:03:00.000Z', NOW.toISOString(), NOW.toISOString()]);
  });
});

describe('localTimeWaitEnd', () => {
  it('waits until 10:00 the same day in the customer\'s zone when it is earlier there', () => {
    // Act (14:00Z is 09:00 in New York)
    const end = localTimeWaitEnd({ kind: 'localTime', time: '10:00' }, 'America/New_York', NOW);

    // Assess
    expect(end.toISOString()).toBe('2026-03-02T15:00:00.000Z');
  });

  it('waits until the next day when the time has passed there', () => {
    // Act (14:00Z is 23:00 in Tokyo)
    const end = localTimeWaitEnd({ kind: 'localTime', time: '10:00' }, 'Asia/Tokyo', NOW);

    // Assess
    expect(end.toISOString()).toBe('2026-03-03T01:00:00.000Z');
  });

  it('moves a time that the spring-forward change skips to just after the gap', () => {
    // Act (Sunday 8 March 2026, New York clocks jump from 02:00 to 03:00)
    const end = localTimeWaitEnd({ kind: 'localTime', time: '02:30', weekdays: ['sun'] }, 'America/New_York', NOW);

    // Assess
    expect(DateTime.fromJSDate(end, { zone: 'America/New_York' }).toFormat('yyyy-MM-dd HH:mm')).toBe('2026-03-08 03:30');
  });

  it('ends at the second 01:30 of Sunday 1 November 2026 in New York, 45 minutes later, not a week later', () => {
    // Prepare: 05:45Z is 01:45 EDT; at 06:00Z clocks go back to 01:00 EST, so the clock shows 01:30 again at 06:30Z.
    const now = new Date('2026-11-01T05:45:00Z');

    // Act
    const end = localTimeWaitEnd({ kind: 'localTime', time: '01:30', weekdays: ['sun'] }, 'America/New_York', now);

    // Assess
    expect(end.toISOString()).toBe('2026-11-01T06:30:00.000Z');
  });

  it('ends at the first 01:30 of the fall-back night when it is still ahead', () => {
    // Prepare: 05:00Z is 01:00 EDT, half an hour before the first 01:30 (EDT, 05:30Z).
    const now = new Date('2026-11-01T05:00:00Z');

    // Act
    const end = localTimeWaitEnd({ kind: 'localTime', time: '01:30', weekdays: ['sun'] }, 'America/New_York', now);

    // Assess
    expect(end.toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });

  it('ends at once on a matching weekday when only weekdays are given', () => {
    // Act (Monday 2 March)
    const monday = localTimeWaitEnd({ kind: 'localTime', weekdays: ['mon'] }, 'America/New_York', NOW);
    const friday = localTimeWaitEnd({ kind: 'localTime', weekdays: ['fri'] }, 'America/New_York', NOW);

    // Assess
    expect(monday).toEqual(NOW);
    expect(DateTime.fromJSDate(friday, { zone: 'America/New_York' }).toFormat('ccc yyyy-MM-dd HH:mm')).toBe('Fri 2026-03-06 00:00');
  });

  it('ends at the first matching local time and weekday at or after now, whatever the zone, day and DST', () => {
    const zones = ['America/New_York', 'Europe/London', 'Asia/Tokyo', 'Australia/Lord_Howe', 'America/Sao_Paulo', 'Asia/Kolkata', 'Pacific/Chatham'];
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        fc.subarray([...WEEKDAYS], { minLength: 1 }),
        (now, zone, hour, minute, weekdays: Weekday[]) => {
          // Prepare
          const time = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;

          // Act
          const end = localTimeWaitEnd({ kind: 'localTime', time, weekdays }, zone, now);

          // Assess
          const local = DateTime.fromJSDate(end, { zone });
          expect(end.getTime()).toBeGreaterThanOrEqual(now.getTime());
          expect(end.getTime() - now.getTime()).toBeLessThanOrEqual(8 * 24 * 3600 * 1000);
          expect(weekdays).toContain(WEEKDAYS[local.weekday - 1]);
          const intended = local.startOf('day').set({ hour, minute });
          // The clock shows the time, unless a DST change skipped it that day (then just after the gap).
          if (intended.hour === hour && intended.minute === minute) expect(local.toFormat('HH:mm')).toBe(time);
          // A time the clock shows twice (falling back) is either occurrence: the first not yet passed.
          const occurrences = (at: DateTime): number[] => at.getPossibleOffsets().map((occurrence) => occurrence.toMillis());
          expect(occurrences(intended)).toContain(local.toMillis());
          expect(occurrences(intended).filter((millis) => millis >= now.getTime() && millis < end.getTime())).toEqual([]);
          for (let back = 1; back <= 7; back += 1) {
            const earlier = local.startOf('day').minus({ days: back }).set({ hour, minute });
            if (occurrences(earlier).some((millis) => millis >= now.getTime())) expect(weekdays).not.toContain(WEEKDAYS[earlier.weekday - 1]);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('attributeDateWaitEnd', () => {
  it('waits until 7 days before the renewal date, at 09:00 in the customer\'s zone', () => {
    // Prepare
    const customer = snapshot({ attributes: { renewal_date: { value: '2026-06-15', changedAt: '2025-06-15T00:00:00Z' } } });

    // Act
    const end = attributeDateWaitEnd({ kind: 'attributeDate', attribute: 'renewal_date', offsetDays: -7 }, customer, NOW);

    // Assess
    expect(end.toISOString()).toBe('2026-06-08T13:00:00.000Z');
  });

  it('waits for the next birthday when this year\'s has passed', () => {
    // Prepare
    const customer = snapshot({ timezone: 'Europe/Paris', attributes: { birthday: { value: '1990-01-20', changedAt: '2025-01-01T00:00:00Z' } } });

    // Act
    const end = attributeDateWaitEnd({ kind: 'attributeDate', attribute: 'birthday', annual: true, time: '10:00' }, customer, NOW);

    // Assess
    expect(end.toISOString()).toBe('2027-01-20T09:00:00.000Z');
  });

  it('keeps a 29 February birthday on the 28th in other years', () => {
    // Prepare
    const customer = snapshot({ timezone: 'UTC', attributes: { birthday: { value: '2000-02-29', changedAt: '2025-01-01T00:00:00Z' } } });

    // Act
    const end = attributeDateWaitEnd({ kind: 'attributeDate', attribute: 'birthday', annual: true }, customer, new Date('2026-02-01T00:00:00Z'));

    // Assess
    expect(end.toISOString()).toBe('2026-02-28T09:00:00.000Z');
  });

  it('does not wait for a missing, unreadable or past date', () => {
    // Prepare
    const customer = snapshot({ attributes: { renewal_date: { value: '2025-01-01', changedAt: '2024-01-01T00:00:00Z' }, odd: { value: 'soon', changedAt: '2024-01-01T00:00:00Z' } } });
    const wait = (attribute: string) => attributeDateWaitEnd({ kind: 'attributeDate', attribute }, customer, NOW);

    // Act
    const ends = [wait('renewal_date'), wait('odd'), wait('missing')];

    // Assess
    expect(ends).toEqual([NOW, NOW, NOW]);
  });
});

describe('toWaitTimestamp', () => {
  it('writes whole seconds in UTC, rounding up', () => {
    expect(toWaitTimestamp(new Date('2026-03-02T14:00:00.001Z'))).toBe('2026-03-02T14:00:01Z');
    expect(toWaitTimestamp(new Date('2026-03-02T14:00:00.000Z'))).toBe('2026-03-02T14:00:00Z');
  });
});

describe('performJourneyEffect', () => {
  function memoryPorts(customer: CustomerSnapshot | undefined): JourneyEffectsPorts & { stages: StageChange[]; outcomes: JourneyOutcome[] } {
    const stages: StageChange[] = [];
    const outcomes: JourneyOutcome[] = [];
    return {
      stages,
      outcomes,
      loadCustomer: async () => customer,
      setStage: async (change) => {
        stages.push(change);
      },
      recordOutcome: async (outcome) => {
        outcomes.push(outcome);
      },
      now: () => NOW,
    };
  }
  const ids = { customerId: 'c-001', journey: 'welcome', execution: 'welcome-c-001-signed_up-1' };

  it('records a goal and moves the customer to the goal\'s stage', async () => {
    // Prepare
    const ports = memoryPorts(snapshot());

    // Act
    const answer = await performJourneyEffect({ ...ids, step: 'goal', action: 'goal', event: 'order_placed', stage: 'active' }, ports);

    // Assess
    expect(answer).toEqual({});
    expect(ports.stages).toEqual([{ ...ids, step: 'goal', stage: 'active', at: NOW.toISOString() }]);
    expect(ports.outcomes).toEqual([{ ...ids, step: 'goal', kind: 'goal', event: 'order_placed', at: NOW.toISOString() }]);
  });

  it('dates the goal\'s stage at the goal event, not when the journey noticed it, so a stage set in between stands', async () => {
    // Prepare: the order came two days before this check; another journey may have set a stage since
    const orderedAt = '2026-02-28T09:00:00.000Z';
    const ports = memoryPorts(snapshot({ stage: 'loyal', attributes: { [lastEventAttribute('order_placed')]: { value: orderedAt, changedAt: orderedAt } } }));

    // Act
    await performJourneyEffect({ ...ids, step: 'goal', action: 'goal', event: 'order_placed', stage: 'active' }, ports);

    // Assess: the store keeps the later of two stages, so dated at the order it cannot undo 'loyal'
    expect(ports.stages).toEqual([{ ...ids, step: 'goal', stage: 'active', at: orderedAt }]);
    expect(ports.outcomes).toEqual([{ ...ids, step: 'goal', kind: 'goal', event: 'order_placed', at: NOW.toISOString() }]);
  });

  it('answers a branch with the matching rule and whether the goal was reached', async () => {
    // Prepare
    const ports = memoryPorts(snapshot({ stage: 'active', attributes: { [lastEventAttribute('order_placed')]: { value: 'x', changedAt: '2026-03-02T12:00:00Z' } } }));

    // Act
    const answer = await performJourneyEffect(
      { ...ids, step: 'what-fits', action: 'branch', rules: [[{ kind: 'stage', in: ['loyal'] }], [{ kind: 'stage', in: ['active'] }]], goal: 'order_placed', enteredAt: '2026-03-02T10:00:00Z' },
      ports,
    );

    // Assess
    expect(answer).toEqual({ match: 1, goalReached: true });
  });

  it('answers a branch with the goal not reached by the order that entered, stamped ahead of the execution start', async () => {
    // Prepare: the entry order's producer runs two minutes ahead of Step Functions.
    const entryAt = '2026-03-02T10:02:00.000Z';
    const ports = memoryPorts(snapshot({ stage: 'active', attributes: { [lastEventAttribute('order_placed')]: { value: entryAt, changedAt: entryAt } } }));

    // Act
    const answer = await performJourneyEffect(
      { ...ids, step: 'what-fits', action: 'branch', rules: [[{ kind: 'stage', in: ['active'] }]], goal: 'order_placed', enteredAt: '2026-03-02T10:00:00.000Z', entry: { enteredAt: entryAt } },
      ports,
    );

    // Assess
    expect(answer).toEqual({ match: 0, goalReached: false });
  });

  it('tests a branch at the entry\'s instant when the entry event was stamped ahead of the clock, as ingest tests the entry', async () => {
    // Prepare: the sign-up's producer runs a minute ahead of Lambda's clock; the branch runs at once.
    const entryAt = '2026-03-02T14:01:00.000Z';
    const ports = memoryPorts(snapshot({ attributes: { [lastEventAttribute('signed_up')]: { value: entryAt, changedAt: entryAt, touchpoint: 'web' } } }));

    // Act
    const answer = await performJourneyEffect(
      { ...ids, step: 'check', action: 'branch', rules: [[{ kind: 'eventWithin', event: 'signed_up', days: 1 }]], entry: { enteredAt: entryAt } },
      ports,
    );

    // Assess: what the entry event just wrote counts as within the last day.
    expect(answer).toEqual({ match: 0, goalReached: false });
  });

  it('answers a local-time wait with a Step Functions timestamp', async () => {
    // Prepare
    const ports = memoryPorts(snapshot());

    // Act
    const answer = await performJourneyEffect({ ...ids, step: 'morning', action: 'waitUntil', wait: { kind: 'localTime', time: '10:00' } }, ports);

    // Assess
    expect(answer).toEqual({ until: '2026-03-02T15:00:00Z' });
  });

  describe('a date wait, given the execution\'s start', () => {
    const renewal = (value: string) => snapshot({ attributes: { renewal_date: { value, changedAt: '2025-06-15T00:00:00Z' } } });
    const wait = { kind: 'attributeDate', attribute: 'renewal_date', offsetDays: -7 } as const;

    it('answers beyondExecution when the date lies past the execution\'s year', async () => {
      // Prepare: 7 days before a renewal about 27 months away
      const ports = memoryPorts(renewal('2028-06-15'));

      // Act
      const answer = await performJourneyEffect({ ...ids, step: 'reminder', action: 'waitUntil', wait, startedAt: NOW.toISOString() }, ports);

      // Assess
      expect(answer).toEqual({ until: '2028-06-08T13:00:00Z', beyondExecution: true });
    });

    it('answers beyondExecution for a date within a year of now when the execution started long before', async () => {
      // Prepare: the execution started 300 days ago; the date is 3 months away
      const ports = memoryPorts(renewal('2026-06-15'));
      const startedAt = new Date(NOW.getTime() - 300 * 86_400_000).toISOString();

      // Act
      const answer = await performJourneyEffect({ ...ids, step: 'reminder', action: 'waitUntil', wait, startedAt }, ports);

      // Assess
      expect(answer).toEqual({ until: '2026-06-08T13:00:00Z', beyondExecution: true });
    });

    it('waits for a date within the execution\'s year, less a day', async () => {
      // Prepare
      const ports = memoryPorts(renewal('2026-06-15'));

      // Act
      const answer = await performJourneyEffect({ ...ids, step: 'reminder', action: 'waitUntil', wait, startedAt: NOW.toISOString() }, ports);

      // Assess
      expect(answer).toEqual({ until: '2026-06-08T13:00:00Z', beyondExecution: false });
    });

    it('keeps a day for the steps after the wait: an end 364 days after the start waits, a minute more does not', async () => {
      // Prepare
      const ports = memoryPorts(renewal('2026-06-15'));
      const until = Date.parse('2026-06-08T13:00:00Z');
      const startedAt = (daysBefore: number, secondsBefore = 0) => new Date(until - daysBefore * 86_400_000 - secondsBefore * 1000).toISOString();
      const answer = (started: string) => performJourneyEffect({ ...ids, step: 'reminder', action: 'waitUntil', wait, startedAt: started }, ports);

      // Act, Assess
      await expect(answer(startedAt(364))).resolves.toEqual({ until: '2026-06-08T13:00:00Z', beyondExecution: false });
      await expect(answer(startedAt(364, 60))).resolves.toEqual({ until: '2026-06-08T13:00:00Z', beyondExecution: true });
    });

    it('answers datePassed for a renewal a month past, so the journey does not remind of it as ahead', async () => {
      // Prepare: 7 days before a renewal on 1 February, asked on 2 March.
      const customer = snapshot({ attributes: { renewal_date: { value: '2026-02-01', changedAt: '2025-02-01T00:00:00Z' } } });
      const ports = memoryPorts(customer);

      // Act
      const answer = await performJourneyEffect(
        { ...ids, step: 'before-renewal', action: 'waitUntil', wait: { kind: 'attributeDate', attribute: 'renewal_date', offsetDays: -7 }, startedAt: '2026-03-02T13:59:00Z' },
        ports,
      );

      // Assess
      expect(answer).toEqual({ until: '2026-03-02T14:00:00Z', beyondExecution: false, datePassed: true });
    });

    it('does not answer datePassed on the day itself after its time, nor for a missing date or an annual wait', async () => {
      // Prepare: 09:00 New York on 2 March has passed at 14:00 UTC (09:00 EST); a birthday in January rolls to next year.
      const customer = snapshot({
        attributes: {
          reminder_date: { value: '2026-03-02', changedAt: '2025-02-01T00:00:00Z' },
          birthday: { value: '1990-01-10', changedAt: '2025-02-01T00:00:00Z' },
        },
      });
      const ports = memoryPorts(customer);
      const answer = (wait: AttributeDateWait) => performJourneyEffect({ ...ids, step: 'w', action: 'waitUntil', wait, startedAt: NOW.toISOString() }, ports);

      // Act
      const answers = await Promise.all([
        answer({ kind: 'attributeDate', attribute: 'reminder_date', time: '08:00' }),
        answer({ kind: 'attributeDate', attribute: 'missing' }),
        answer({ kind: 'attributeDate', attribute: 'birthday', annual: true }),
      ]);

      // Assess
      expect(answers).toEqual([
        { until: '2026-03-02T14:00:00Z', beyondExecution: false },
        { until: '2026-03-02T14:00:00Z', beyondExecution: false },
        { until: '2027-01-10T14:00:00Z', beyondExecution: false },
      ]);
    });

    it('answers as before, with no bound, to a payload without the start (a definition compiled before it)', async () => {
      // Prepare
      const ports = memoryPorts(renewal('2028-06-15'));

      // Act
      const answer = await performJourneyEffect({ ...ids, step: 'reminder', action: 'waitUntil', wait }, ports);

      // Assess
      expect(answer).toEqual({ until: '2028-06-08T13:00:00Z' });
    });
  });

  it('fails a branch for a customer who no longer exists', async () => {
    // Prepare
    const ports = memoryPorts(undefined);

    // Act
    const effect = performJourneyEffect({ ...ids, step: 'what-fits', action: 'branch', rules: [[{ kind: 'stage', in: ['active'] }]] }, ports);

    // Assess
    await expect(effect).rejects.toThrow(CustomerNotFoundError);
  });

  it('answers a bucket without reading the customer', async () => {
    // Prepare
    const ports = memoryPorts(undefined);

    // Act
    const answer = await performJourneyEffect({ ...ids, step: 'holdout', action: 'bucket' }, ports);

    // Assess
    expect(answer).toEqual({ bucket: bucketOf('c-001', 'welcome', 'holdout') });
  });
});
