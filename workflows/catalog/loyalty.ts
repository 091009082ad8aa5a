/**
 * `loyalty`: a customer who reaches a loyalty tier is thanked, moved to the `loyal` stage and,
 * two weeks later, shown their rewards.
 *
 * Only a loyalty tier enters (the entry's `when`): a lower tier's `tier_changed` must not claim
 * the year-long re-entry, or a customer going standard → silver → gold within the year would never
 * be thanked for gold. The branch stays: it reads the tier again when the journey acts, and a
 * later `tier_changed` (a downgrade, or events the bus delivers in another order) may have
 * changed it since the entry.
 */
import { attribute, branch, days, defineJourney, exit, onEvent, reEntry, send, setStage, wait } from '../builder';

const LOYALTY_TIER = attribute('tier', 'in', ['gold', 'platinum']);

export const loyalty = defineJourney({
  id: 'loyalty',
  name: 'Loyalty',
  description: 'A loyalty tier reached (gold or platinum): thanks, stage loyal, and the rewards two weeks later, until a reward is redeemed.',
  entry: onEvent(['tier_changed'], reEntry.afterDays(365), { when: LOYALTY_TIER }),
  goal: { event: 'reward_redeemed' },
  steps: [
    branch('loyal-tier', {
      rules: [{ when: LOYALTY_TIER, then: [] }],
      otherwise: [exit('not-loyal-tier', 'tier_below_gold')],
    }),
    setStage('became-loyal', 'loyal'),
    send('thanks', { template: 'loyalty-thanks', topic: 'marketing', channels: ['email', 'mail'] }),
    wait('before-rewards', days(14)),
    send('rewards', { template: 'loyalty-rewards', topic: 'marketing', channels: ['email', 'sms'] }),
  ],
});
