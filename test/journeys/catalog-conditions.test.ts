/**
 * What the catalog journeys' branches decide for one customer, through the journeyEffects logic
 * the Lambda runs: the conditions as written in workflows/, not as their comments say.
 */
import type { CustomerSnapshot } from '../../lib/customer/model';
import { performJourneyEffect, type JourneyEffectsPorts } from '../../lib/journeys/effects';
import { lastEventAttribute } from '../../lib/journeys/event-history';
import type { BranchNode, Journey } from '../../lib/journeys/format';
import { activeCrossSell, prospectNurture } from '../../workflows';
import { snapshotWithAttributes as snapshot } from '../support/customer-snapshot';

function ports(customer: CustomerSnapshot, now: Date): JourneyEffectsPorts {
  return { loadCustomer: async () => customer, setStage: async () => {}, recordOutcome: async () => {}, now: () => now };
}

function branchOf(journey: Journey, id: string): BranchNode {
  const node = journey.nodes.find((candidate) => candidate.id === id);
  if (node?.type !== 'branch') throw new Error(`no branch ${id} in ${journey.id}`);
  return node;
}

describe('prospect-nurture', () => {
  it.each(['app', 'email', 'sms', 'web', 'store', 'phone', 'mail'] as const)('keeps nurturing a lead seen last week through %s', async (touchpoint) => {
    // Prepare: entered three weeks ago; last week the lead was active on one touchpoint.
    const still = branchOf(prospectNurture, 'still-engaged-2');
    const seen = '2026-03-18T19:00:00Z';
    const customer = snapshot({ [lastEventAttribute('app_opened')]: { value: seen, changedAt: seen, touchpoint }, wishlist: { value: ['boots'], changedAt: seen, touchpoint } });

    // Act
    const answer = await performJourneyEffect(
      {
        customerId: 'c-001',
        journey: prospectNurture.id,
        execution: 'prospect-nurture-c-001-e1',
        step: still.id,
        action: 'branch',
        rules: still.rules.map((rule) => rule.when),
        entry: { enteredAt: '2026-03-02T10:00:00Z' },
      },
      ports(customer, new Date('2026-03-24T14:00:00Z')),
    );

    // Assess: the first rule (still engaged), not otherwise (gone-cold).
    expect(answer).toMatchObject({ match: 0 });
  });

  it('lets a lead go cold when only our own import touched their data', async () => {
    // Prepare
    const still = branchOf(prospectNurture, 'still-engaged-2');
    const customer = snapshot({ tier: { value: 'standard', changedAt: '2026-03-18T19:00:00Z', touchpoint: 'import' } });

    // Act
    const answer = await performJourneyEffect(
      { customerId: 'c-001', journey: prospectNurture.id, execution: 'prospect-nurture-c-001-e1', step: still.id, action: 'branch', rules: still.rules.map((rule) => rule.when) },
      ports(customer, new Date('2026-03-24T14:00:00Z')),
    );

    // Assess
    expect(answer).toMatchObject({ match: -1 });
  });
});

describe('active-cross-sell', () => {
  it('describes its suggestion rules in the order the branch checks them, not as the channel used last', () => {
    // Prepare: each rule's first distinguishing word, in the branch's order.
    const rules = branchOf(activeCrossSell, 'what-fits').rules.map((rule) =>
      rule.when.map((condition) => (condition.kind === 'touchpointWithin' ? condition.touchpoints[0] : condition.kind === 'changedWithin' ? condition.attribute : '')).join(''),
    );
    const description = activeCrossSell.description ?? '';

    // Act
    const positions = rules.map((word) => description.indexOf(word));

    // Assess
    expect(rules).toEqual(['interests', 'store', 'web']);
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(description).not.toMatch(/used last/);
  });
});
