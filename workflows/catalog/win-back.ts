/**
 * `win-back`: a customer with no order for 90 days gets an escalating ladder — email, then SMS a
 * week later, then direct mail — while 10% are held out (and watched the same way) to measure
 * what the ladder adds.
 */
import { days, defineJourney, exit, holdout, onInactivity, reachGoal, reEntry, send, setStage, wait, waitForEvent } from '../builder';

/** Days without an order after which a customer enters win-back. */
export const WIN_BACK_INACTIVE_DAYS = 90;

export const winBack = defineJourney({
  id: 'win-back',
  name: 'Win-back',
  description: `No order for ${WIN_BACK_INACTIVE_DAYS} days: email, SMS a week later, direct mail a week after that; a 10% holdout gets nothing and is watched for the same window.`,
  entry: onInactivity({ event: 'order_placed', days: WIN_BACK_INACTIVE_DAYS }, reEntry.afterDays(180)),
  goal: { event: 'order_placed', stage: 'active' },
  steps: [
    holdout('holdout', {
      percentage: 10,
      // Held-out customers are watched for as long as the ladder runs, so the two groups compare.
      holdout: [
        waitForEvent('held-out', {
          event: 'order_placed',
          timeout: days(44),
          onEvent: [exit('held-out-returned', 'holdout_returned')],
          onTimeout: [exit('held-out-lapsed', 'holdout_lapsed')],
        }),
      ],
    }),
    setStage('lapsed', 'lapsed'),
    send('win-back-email', { template: 'win-back-email', topic: 'marketing', channels: ['email'] }),
    wait('email-to-sms', days(7)),
    send('win-back-sms', { template: 'win-back-sms', topic: 'marketing', channels: ['sms'] }),
    wait('sms-to-mail', days(7)),
    send('win-back-mail', { template: 'win-back-mail', topic: 'marketing', channels: ['mail'] }),
    waitForEvent('comeback', { event: 'order_placed', timeout: days(30), onEvent: reachGoal() }),
  ],
});
