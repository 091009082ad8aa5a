/**
 * `welcome`: a prospect who signs up gets a welcome, tips two days later and, unless they buy
 * within a week, a first-purchase nudge.
 *
 * Only a prospect who never ordered enters: a customer who bought before signing up (a guest
 * checkout, then an account) would be set back to `new_customer` and nudged to make a first
 * purchase they made. An order alone states no stage, so such a guest is still a prospect: the
 * order itself (its `lastEvent` attribute) keeps them out.
 */
import { attribute, days, defineJourney, onEvent, reachGoal, reEntry, send, setStage, stageIn, wait, waitForEvent } from '../builder';
import { lastEventAttribute } from '../../lib/journeys/event-history';

export const welcome = defineJourney({
  id: 'welcome',
  name: 'Welcome',
  description: 'A prospect signed up: welcome, tips two days later, then a nudge if there is no first order within a week.',
  entry: onEvent(['signed_up'], reEntry.never, { when: [stageIn('prospect'), attribute(lastEventAttribute('order_placed'), 'notExists')] }),
  goal: { event: 'order_placed', stage: 'active' },
  steps: [
    setStage('new-customer', 'new_customer'),
    send('welcome-email', { template: 'welcome', topic: 'marketing', channels: ['email'] }),
    wait('settle-in', days(2)),
    send('tips-email', { template: 'tips', topic: 'marketing', channels: ['email'] }),
    waitForEvent('first-order', { event: 'order_placed', timeout: days(7), onEvent: reachGoal() }),
    send('first-purchase-nudge', { template: 'first-purchase-nudge', topic: 'marketing', channels: ['email', 'sms'] }),
  ],
});
