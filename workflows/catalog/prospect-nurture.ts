/**
 * `prospect-nurture`: a lead captured on the web or in a store is first asked which channels and
 * what time of day they prefer, then nurtured every other Tuesday, at most four times, until the
 * first purchase. Only a prospect enters: a customer who has bought is no lead, and the goal would
 * set them back to `new_customer` at their next order. Nor does a lead of our own bulk load
 * (`import`): the first ask is transactional, a reply to the lead's own request, sent without
 * marketing consent, and an imported lead asked for nothing.
 *
 * The series is written as four distinct send steps rather than a loop over one: a step sends at
 * most once per execution (the send ledger keeps one message per execution and step), so a loop
 * back to a send step would never send again, and `validateJourney` refuses one.
 */
import { TOUCHPOINTS } from '../../lib/customer/model';
import type { Condition } from '../../lib/journeys/format';
import { type Step, branch, days, defineJourney, eventNotThrough, exit, goTo, onEvent, reachGoal, reEntry, send, stageIn, touchpointWithin, waitForEvent, waitUntilLocalTime } from '../builder';

/** Nurture messages in the series: one every two weeks, so the series is over in about ten weeks. */
const NURTURE_MESSAGES = 4;

/** Our own bulk load of data (a CRM export): nothing the prospect did. */
const OUR_OWN_LOAD = ['import'] as const;

/** The touchpoints through which a prospect shows themselves: every one but {@link OUR_OWN_LOAD}. */
const ENGAGEMENT_TOUCHPOINTS = TOUCHPOINTS.filter((touchpoint) => !(OUR_OWN_LOAD as readonly string[]).includes(touchpoint));

/** A prospect still engaged: anything learnt about them on any channel in the last 30 days. */
const STILL_ENGAGED: Condition = touchpointWithin(ENGAGEMENT_TOUCHPOINTS, { days: 30 });

/**
 * The `n`-th nurture: on the next Tuesday at 10:00 local time, only for a prospect still engaged
 * (from the second on), then a wait for the first order, which reaches the goal.
 */
function nurture(n: number): Step[] {
  const last = n === NURTURE_MESSAGES;
  return [
    waitUntilLocalTime(`nurture-week-${n}`, { time: '10:00', weekdays: ['tue'] }),
    ...(n === 1 ? [] : [branch(`still-engaged-${n}`, { rules: [{ when: STILL_ENGAGED, then: [] }], otherwise: goTo('gone-cold') })]),
    send(`nurture-${n}`, { template: 'nurture', topic: 'marketing', channels: ['email', 'sms'] }),
    // 13 days, so the next Tuesday 10:00 is the one two weeks on even when this message went out
    // later that Tuesday (deferred to the preferred window) or the clocks changed meanwhile. An
    // order in the day between is still caught: the branch and the send step check the goal.
    // After the last message the lead has the full two weeks.
    waitForEvent(`first-order-${n}`, {
      event: 'order_placed',
      timeout: days(last ? 14 : 13),
      onEvent: reachGoal(),
      ...(last ? { onTimeout: [exit('series-complete', 'series_complete')] } : {}),
    }),
  ];
}

export const prospectNurture = defineJourney({
  id: 'prospect-nurture',
  name: 'Prospect nurture',
  description:
    'A prospect captured as a lead on the web or in a store: ask for channels and time of day, then a nurture message every other Tuesday while the prospect stays engaged, four at most, until the first purchase. The series is over in about ten weeks, well before the lead may enter again (180 days).',
  entry: onEvent(['lead_captured'], reEntry.afterDays(180), { when: [stageIn('prospect'), eventNotThrough('lead_captured', OUR_OWN_LOAD)] }),
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
    ...Array.from({ length: NURTURE_MESSAGES }, (_, index) => nurture(index + 1)).flat(),
    exit('gone-cold', 'gone_cold'),
  ],
});
