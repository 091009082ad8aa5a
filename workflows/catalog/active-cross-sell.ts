/**
 * `active-cross-sell`: after an order, one suggestion chosen from what we know — new interests,
 * a recent store visit, recent behaviour on the web, phone or by mail — and a follow-up a week
 * later, until the next order.
 */
import { attribute, branch, changedWithin, days, defineJourney, onEvent, reEntry, send, touchpointWithin, wait } from '../builder';

export const activeCrossSell = defineJourney({
  id: 'active-cross-sell',
  name: 'Active cross-sell',
  description:
    'After an order: a suggestion that fits the latest interests or the channel the customer used last, and a follow-up a week later, until the next order.',
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
    send('follow-up', { template: 'cross-sell-follow-up', topic: 'marketing', channels: ['email'] }),
  ],
});
