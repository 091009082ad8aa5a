/**
 * `loyalty`: a customer who reaches a loyalty tier is thanked, moved to the `loyal` stage and,
 * two weeks later, shown their rewards.
 */
import { attribute, branch, days, defineJourney, exit, onEvent, reEntry, send, setStage, wait } from '../builder';

export const loyalty = defineJourney({
  id: 'loyalty',
  name: 'Loyalty',
  description: 'A loyalty tier reached (gold or platinum): thanks, stage loyal, and the rewards two weeks later, until a reward is redeemed.',
  entry: onEvent(['tier_changed'], reEntry.afterDays(365)),
  goal: { event: 'reward_redeemed' },
  steps: [
    branch('loyal-tier', {
      rules: [{ when: attribute('tier', 'in', ['gold', 'platinum']), then: [] }],
      otherwise: [exit('not-loyal-tier', 'tier_below_gold')],
    }),
    setStage('became-loyal', 'loyal'),
    send('thanks', { template: 'loyalty-thanks', topic: 'marketing', channels: ['email', 'mail'] }),
    wait('before-rewards', days(14)),
    send('rewards', { template: 'loyalty-rewards', topic: 'marketing', channels: ['email', 'sms'] }),
  ],
});
