/**
 * `prospect-nurture`: a lead captured on the web or in a store is first asked which channels and
 * what time of day they prefer, then nurtured weekly until the first purchase.
 */
import { days, defineJourney, exit, goTo, onEvent, reachGoal, reEntry, send, branch, touchpointWithin, waitForEvent, waitUntilLocalTime } from '../builder';

export const prospectNurture = defineJourney({
  id: 'prospect-nurture',
  name: 'Prospect nurture',
  description:
    'A lead captured on the web or in a store: ask for channels and time of day, then one nurture message a week while the prospect stays engaged, until the first purchase.',
  entry: onEvent(['lead_captured'], reEntry.afterDays(180)),
  goal: { event: 'order_placed', stage: 'new_customer' },
  steps: [
    // The first ask replies to the lead's own request, so it needs no marketing consent (the
    // template's transactional.md says why); a reminder replies to nothing, so it does.
    send('ask-preferences', { template: 'preference-request', topic: 'transactional', channels: ['email'] }),
    waitForEvent('preferences-given', {
      event: 'preferences_updated',
      timeout: days(3),
      onTimeout: [send('remind-preferences', { template: 'preference-reminder', topic: 'marketing', channels: ['email'] })],
    }),
    waitUntilLocalTime('nurture-week', { time: '10:00', weekdays: ['tue'] }),
    send('nurture', { template: 'nurture', topic: 'marketing', channels: ['email', 'sms'] }),
    waitForEvent('first-order', { event: 'order_placed', timeout: days(14), onEvent: reachGoal() }),
    branch('still-engaged', {
      rules: [{ when: touchpointWithin(['web', 'store', 'phone', 'mail'], { days: 30 }), then: goTo('nurture-week') }],
    }),
    exit('gone-cold', 'gone_cold'),
  ],
});
