/**
 * `active-cross-sell`: after an order, one suggestion chosen from what we know, the first that
 * fits in this order — new interests, a store visit this month, behaviour on the web, phone or by
 * mail in the last two weeks, else bestsellers — and a follow-up a week later to those who got it,
 * until the next order. A priority, not recency: a store visit three weeks ago wins over a web visit yesterday.
 */
import { attribute, branch, changedWithin, days, defineJourney, onEvent, reEntry, send, touchpointWithin, wait } from '../builder';

export const activeCrossSell = defineJourney({
  id: 'active-cross-sell',
  name: 'Active cross-sell',
  description:
    'After an order, one suggestion, the first that fits in this order: interests that changed in the last 30 days, a store visit in the last 30 days, web, phone or mail behaviour in the last 14 days, else bestsellers; and a follow-up a week later to those who got the suggestion, until the next order.',
  entry: onEvent(['order_placed'], reEntry.afterDays(30)),
  goal: { event: 'order_placed' },
  steps: [
    wait('let-it-land', days(3)),
    branch('what-fits', {
      rules: [
        {
          when: [attribute('interests', 'exists'), changedWithin('interests', { days: 30 })],
          then: [send('new-interests', { template: 'cross-sell-interests', topic: 'marketing', channels: ['email'] })],
        },
        {
          when: touchpointWithin(['store'], { days: 30 }),
          then: [send('store-visitor', { template: 'cross-sell-store', topic: 'marketing', channels: ['email', 'sms'] })],
        },
        {
          when: touchpointWithin(['web', 'phone', 'mail'], { days: 14 }),
          then: [send('recent-behaviour', { template: 'cross-sell-recent', topic: 'marketing', channels: ['email'] })],
        },
      ],
      otherwise: [send('bestsellers', { template: 'cross-sell-bestsellers', topic: 'marketing', channels: ['email'] })],
    }),
    wait('before-follow-up', days(7)),
    // "Still thinking about it?" only to a customer who got a suggestion (not one the frequency cap kept back).
    send('follow-up', {
      template: 'cross-sell-follow-up',
      topic: 'marketing',
      channels: ['email'],
      followUpOf: ['new-interests', 'store-visitor', 'recent-behaviour', 'bestsellers'],
    }),
  ],
});
