import * as fc from 'fast-check';
import type { Journey } from '../../lib/journeys/format';
import { InvalidJourneyError, validateJourney } from '../../lib/journeys/validate';
import {
  branch,
  days,
  defineJourney,
  exit,
  goTo,
  onEvent,
  reachGoal,
  reEntry,
  send,
  setStage,
  stageIn,
  touchpointWithin,
  wait,
  waitForEvent,
  waitUntilLocalTime,
  type Step,
} from '../../workflows/builder';
import { FIXTURE_TEMPLATES_DIR, demoJourney, greeting } from './fixtures/journeys';

/** The problems `validateJourney` reports, none when the journey is valid. */
function problemsOf(journey: unknown): readonly string[] {
  try {
    validateJourney(journey, { templatesDir: FIXTURE_TEMPLATES_DIR });
  } catch (error) {
    if (error instanceof InvalidJourneyError) return error.problems;
    throw error;
  }
  return [];
}

const greet = (id: string): Step => send(id, { template: 'greeting', topic: 'marketing', channels: ['email'] });

function nurtureJourney(steps: readonly Step[]): Journey {
  return defineJourney({ id: 'nurture', name: 'Nurture', entry: onEvent(['lead_captured'], reEntry.afterDays(180)), goal: { event: 'order_placed' }, steps });
}

const ENGAGED = touchpointWithin(['web', 'store'], { days: 30 });

describe('validateJourney, loops back to a send step', () => {
  it('refuses a goTo back to a send step, naming the goTo, the send step and rule 8, and accepts the series written as distinct steps', () => {
    // Prepare: "one message a week while engaged" written as a loop, then as a series.
    const loop = nurtureJourney([
      waitUntilLocalTime('nurture-week', { time: '10:00', weekdays: ['tue'] }),
      greet('nurture'),
      waitForEvent('first-order', { event: 'order_placed', timeout: days(14), onEvent: reachGoal() }),
      branch('still-engaged', { rules: [{ when: ENGAGED, then: goTo('nurture-week') }] }),
      exit('gone-cold', 'gone_cold'),
    ]);
    const pass = (n: number): Step[] => [
      waitUntilLocalTime(`nurture-week-${n}`, { time: '10:00', weekdays: ['tue'] }),
      branch(`still-engaged-${n}`, { rules: [{ when: ENGAGED, then: [] }], otherwise: goTo('gone-cold') }),
      greet(`nurture-${n}`),
      waitForEvent(`first-order-${n}`, { event: 'order_placed', timeout: days(13), onEvent: reachGoal() }),
    ];
    const series = nurtureJourney([...pass(1), ...pass(2), ...pass(3), exit('series-complete', 'series_complete'), exit('gone-cold', 'gone_cold')]);

    // Act
    const problems = problemsOf(loop);

    // Assess
    expect(problems).toEqual([
      'journey "nurture", node "still-engaged" (branch): rules[0].next goes back to "nurture-week" (a goTo to an earlier step), so send step "nurture" would run again in the same execution (loop nurture-week → nurture → first-order → still-engaged → nurture-week); a step sends at most once per execution (rule 8: one message per execution and step), so the loop would never send again; write each repeat as a send step of its own ("nurture-1", "nurture-2", …) and end the series with an exit',
    ]);
    expect(problemsOf(series)).toEqual([]);
  });

  it('refuses a reminder arm that goes back to the step it reminds of, naming both send steps', () => {
    // Prepare
    const journey = nurtureJourney([
      greet('ask'),
      waitForEvent('answer', { event: 'preferences_updated', timeout: days(3), onTimeout: [greet('remind'), goTo('ask')] }),
      exit('answered'),
    ]);

    // Act
    const problems = problemsOf(journey);

    // Assess
    expect(problems).toEqual([
      'journey "nurture", node "remind" (send): next goes back to "ask" (a goTo to an earlier step), so send steps "ask", "remind" would run again in the same execution (loop ask → answer → remind → ask); a step sends at most once per execution (rule 8: one message per execution and step), so the loop would never send again; write each repeat as a send step of its own ("ask-1", "ask-2", …) and end the series with an exit',
    ]);
  });

  it('refuses a send step written as its own next in a journey file, besides the loop without a wait', () => {
    // Prepare
    const journey = demoJourney([greeting('hello', 'hello')]);

    // Act
    const problems = problemsOf(journey);

    // Assess
    expect(problems).toEqual([
      'journey "demo", node "hello" (send): loop hello → hello has no wait; add a wait or waitForEvent node inside the loop',
      'journey "demo", node "hello" (send): next goes back to "hello" (a goTo to an earlier step), so send step "hello" would run again in the same execution (loop hello → hello); a step sends at most once per execution (rule 8: one message per execution and step), so the loop would never send again; write each repeat as a send step of its own ("hello-1", "hello-2", …) and end the series with an exit',
    ]);
  });

  it('refuses exactly the generated journeys whose goTo goes back over a send step', () => {
    // Prepare: a sequence of steps with one branch whose goTo goes to any of them, back or forward.
    type Kind = 'send' | 'wait' | 'stage';
    const build = (kind: Kind, id: string): Step => {
      if (kind === 'send') return greet(id);
      if (kind === 'wait') return wait(id, days(1));
      return setStage(id, 'active');
    };
    const journeys = fc
      .array(fc.constantFrom<Kind>('send', 'wait', 'stage'), { minLength: 1, maxLength: 7 })
      .chain((kinds) => fc.record({ kinds: fc.constant(kinds), at: fc.nat(kinds.length), target: fc.nat(kinds.length - 1) }));

    fc.assert(
      fc.property(journeys, ({ kinds, at, target }) => {
        const ids = kinds.map((_, index) => `s${index}`);
        const steps = kinds.map((kind, index) => build(kind, ids[index] ?? ''));
        steps.splice(at, 0, branch('jump', { rules: [{ when: stageIn('active'), then: goTo(ids[target] ?? '') }] }));
        const journey = defineJourney({ id: 'generated', name: 'Generated', entry: onEvent(['signed_up'], reEntry.never), steps });

        // Act
        const problems = problemsOf(journey);

        // Assess: the loop, when the goTo goes back, is the steps from its target to the branch.
        const loop = target < at ? kinds.slice(target, at) : [];
        const sends = ids.slice(target, at).filter((_, index) => loop[index] === 'send');
        const sendLoops = problems.filter((problem) => problem.includes('goes back to'));
        if (sends.length === 0) {
          expect(sendLoops).toEqual([]);
          expect(problems.length === 0).toBe(loop.length === 0 || loop.includes('wait'));
        } else {
          expect(sendLoops).toHaveLength(1);
          const [problem = ''] = sendLoops;
          expect(problem.startsWith(`journey "generated", node "jump" (branch): rules[0].next goes back to "${ids[target]}"`)).toBe(true);
          expect(problem).toContain(`${sends.length === 1 ? 'send step' : 'send steps'} ${sends.map((id) => `"${id}"`).join(', ')} would run again`);
          expect(problem).toContain('rule 8');
        }
      }),
      { numRuns: 500 },
    );
  });
});
