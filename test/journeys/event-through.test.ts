/**
 * The `eventThrough` condition: through which touchpoint the customer's last event of a kind came.
 * prospect-nurture's entry uses it to leave out leads of our own bulk import, whose first ask
 * (transactional, sent without marketing consent) would answer nothing the lead asked.
 */
import type { AttributeState, CustomerSnapshot } from '../../lib/customer/model';
import { conditionHolds, ConditionSchema, type Condition } from '../../lib/journeys/conditions';
import { lastEventAttribute } from '../../lib/journeys/event-history';
import { eventNotThrough, eventThrough } from '../../workflows/builder';
import { snapshotWithAttributes as customerWith } from '../support/customer-snapshot';

const NOW = new Date('2026-03-02T14:00:00Z');

const lead = (touchpoint?: AttributeState['touchpoint']): CustomerSnapshot =>
  customerWith({ [lastEventAttribute('lead_captured')]: { value: '2026-03-02T13:00:00Z', changedAt: '2026-03-02T13:00:00Z', ...(touchpoint === undefined ? {} : { touchpoint }) } });

describe('eventThrough', () => {
  it.each<[string, Condition, CustomerSnapshot, boolean]>([
    ['a web lead came through web or store', eventThrough('lead_captured', ['web', 'store']), lead('web'), true],
    ['an imported lead did not come through web or store', eventThrough('lead_captured', ['web', 'store']), lead('import'), false],
    ['a lead that named no touchpoint came through none', eventThrough('lead_captured', ['web']), lead(), false],
    ['a customer with no lead came through none', eventThrough('lead_captured', ['web']), customerWith({}), false],
    ['an imported lead came through import', eventNotThrough('lead_captured', ['import']), lead('import'), false],
    ['a store lead did not come through import', eventNotThrough('lead_captured', ['import']), lead('store'), true],
    ['a lead that named no touchpoint did not come through import', eventNotThrough('lead_captured', ['import']), lead(), true],
    ['another event of the customer is not the lead', eventNotThrough('lead_captured', ['import']), customerWith({ [lastEventAttribute('order_placed')]: { value: NOW.toISOString(), changedAt: NOW.toISOString(), touchpoint: 'import' } }), true],
  ])('%s', (_name, condition, customer, expected) => {
    // Act
    const holds = conditionHolds(condition, customer, NOW);
    // Assess
    expect(holds).toBe(expected);
  });

  it('is a condition the journey format reads, and refuses one without touchpoints or with another op', () => {
    // Act
    const parsed = ConditionSchema.safeParse(eventNotThrough('lead_captured', ['import']));
    const empty = ConditionSchema.safeParse({ kind: 'eventThrough', event: 'lead_captured', op: 'notIn', touchpoints: [] });
    const otherOp = ConditionSchema.safeParse({ kind: 'eventThrough', event: 'lead_captured', op: 'equals', touchpoints: ['web'] });
    // Assess
    expect(parsed.success).toBe(true);
    expect([empty.success, otherOp.success]).toEqual([false, false]);
  });
});
