/**
 * The validator's rules about time: a journey must fit in one Step Functions execution, which
 * lives at most a year and keeps at most 25,000 history events (lib/journeys/journey-time.ts).
 */
import type { AslState } from '../../lib/journeys/asl';
import { LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN, STATE_SUFFIXES, compileJourney } from '../../lib/journeys/compile';
import { historyEventsPerPass } from '../../lib/journeys/journey-time';
import { InvalidJourneyError, validateJourney } from '../../lib/journeys/validate';
import { FIXTURE_TEMPLATES_DIR, demoJourney, exitNode, greeting } from './fixtures/journeys';

/** The message `validateJourney` fails with, or a marker when it does not fail. */
function failureOf(journey: unknown): string {
  try {
    validateJourney(journey, { templatesDir: FIXTURE_TEMPLATES_DIR });
  } catch (error) {
    if (error instanceof InvalidJourneyError) return error.message;
    throw error;
  }
  return '(valid)';
}

/** A branch on `tier` that greets gold customers and otherwise goes to `otherwise`. */
function goldCheck(id: string, otherwise: string): Record<string, unknown> {
  return { type: 'branch', id, rules: [{ when: [{ kind: 'attribute', attribute: 'tier', op: 'equals', value: 'gold' }], next: 'hello' }], otherwise };
}

describe('validateJourney: the execution\'s year', () => {
  it('fails when a single wait lasts 365 days, leaving no time for the send after it', () => {
    // Prepare
    const journey = demoJourney([
      greeting('hello', 'one-year'),
      { type: 'wait', id: 'one-year', wait: { kind: 'duration', duration: { days: 365 } }, next: 'anniversary' },
      greeting('anniversary', 'done'),
      exitNode('done'),
    ]);

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toBe(
      'journey "demo", node "one-year" (wait): wait.duration: must be at most 364 days (Step Functions ends an execution after a year, and the steps after the wait need a day)',
    );
  });

  it('accepts a single wait of 364 days followed by a send', () => {
    // Prepare
    const journey = demoJourney([
      greeting('hello', 'almost-a-year'),
      { type: 'wait', id: 'almost-a-year', wait: { kind: 'duration', duration: { days: 364 } }, next: 'anniversary' },
      greeting('anniversary', 'done'),
      exitNode('done'),
    ]);

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toBe('(valid)');
  });

  it('fails when waits and a waitForEvent timeout on one path add up to more than 364 days, naming the path', () => {
    // Prepare
    const journey = demoJourney([
      greeting('hello', 'half'),
      { type: 'wait', id: 'half', wait: { kind: 'duration', duration: { days: 200 } }, next: 'again' },
      { type: 'waitForEvent', id: 'again', event: 'order_placed', timeout: { days: 200 }, next: 'done', timeoutNext: 'late' },
      greeting('late', 'done'),
      exitNode('done'),
    ]);

    // Act
    const message = failureOf(journey);

    // Assess: reported once, at the wait that carries the path over the limit, whichever way it goes on.
    expect(message).toBe(
      'journey "demo", node "again" (waitForEvent): the path entry → hello → half (200 days) → again (timeout 200 days) may hold the execution 400 days, ' +
        'longer than it may wait (364 days: Step Functions ends an execution after a year, unrecorded, and the steps after a wait need a day); ' +
        'shorten the waits on this path, or split the journey in two',
    );
  });

  it('counts a local-time wait as the most it may hold: a week with weekdays', () => {
    // Prepare: 358 days, then the next Tuesday at 10:00, which may be a week and an hour away.
    const journey = demoJourney([
      { type: 'wait', id: 'long', wait: { kind: 'duration', duration: { days: 358 } }, next: 'tuesday' },
      { type: 'wait', id: 'tuesday', wait: { kind: 'localTime', time: '10:00', weekdays: ['tue'] }, next: 'hello' },
      greeting('hello', 'done'),
      exitNode('done'),
    ], 'long');

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toContain('node "tuesday" (wait): the path entry → long (358 days) → tuesday (up to 7 days 1 h) may hold the execution 365 days 1 h,');
  });

  it('fails when a date wait, which may end up to 364 days after the start, is followed by another wait', () => {
    // Prepare
    const journey = demoJourney([
      { type: 'wait', id: 'renewal', wait: { kind: 'attributeDate', attribute: 'renewal_date', offsetDays: -7 }, next: 'hello' },
      greeting('hello', 'follow-up-wait'),
      { type: 'wait', id: 'follow-up-wait', wait: { kind: 'duration', duration: { days: 7 } }, next: 'follow-up' },
      greeting('follow-up', 'done'),
      exitNode('done'),
    ], 'renewal');

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toContain(
      'node "follow-up-wait" (wait): the path entry → renewal (a date, up to 364 days after the start) → hello → follow-up-wait (7 days) may hold the execution 371 days,',
    );
  });

  it('accepts a date wait followed by a send and an exit', () => {
    // Prepare
    const journey = demoJourney([
      { type: 'wait', id: 'renewal', wait: { kind: 'attributeDate', attribute: 'renewal_date', offsetDays: -7 }, next: 'hello' },
      greeting('hello', 'done'),
      exitNode('done'),
    ], 'renewal');

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toBe('(valid)');
  });
});

describe('validateJourney: the execution\'s history', () => {
  it('fails when a loop\'s only wait is a minute, which fills the 25,000-event history in two days, naming the loop and the pace it needs', () => {
    // Prepare: each pass is the branch's Task (5 events) and Choice (2) and the Wait (2).
    const journey = demoJourney([
      goldCheck('check', 'poll'),
      { type: 'wait', id: 'poll', wait: { kind: 'duration', duration: { minutes: 1 } }, next: 'check' },
      greeting('hello', 'done'),
      exitNode('done'),
    ], 'check');

    // Act
    const message = failureOf(journey);

    // Assess: 365 days × 9 events / 20,000 events (the history less a fifth for retries and the rest).
    expect(message).toBe(
      'journey "demo", node "check" (branch): loop check → poll → check holds at least 1 min per pass and writes 9 history events per pass, ' +
        'so a year of passes would outgrow the 25,000 events an execution keeps and Step Functions would fail it, unrecorded; ' +
        'make the loop wait at least 3 h 57 min per pass (lengthen wait "poll", or add a longer one)',
    );
  });

  it('accepts a loop that waits four hours per pass', () => {
    // Prepare
    const journey = demoJourney([
      goldCheck('check', 'poll'),
      { type: 'wait', id: 'poll', wait: { kind: 'duration', duration: { hours: 4 } }, next: 'check' },
      greeting('hello', 'done'),
      exitNode('done'),
    ], 'check');

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toBe('(valid)');
  });

  it('fails when a loop goes back from a waitForEvent\'s event, which may come at once, and names that', () => {
    // Prepare: every page view goes round again; a customer browsing a catalogue sends hundreds.
    const journey = demoJourney([
      goldCheck('check', 'viewed'),
      { type: 'waitForEvent', id: 'viewed', event: 'page_viewed', timeout: { days: 30 }, next: 'check', timeoutNext: 'done' },
      greeting('hello', 'done'),
      exitNode('done'),
    ], 'check');

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toBe(
      'journey "demo", node "check" (branch): loop check → viewed → check holds no time for sure per pass (the event of waitForEvent "viewed" may come at once) and writes 13 history events per pass, ' +
        'so a year of passes would outgrow the 25,000 events an execution keeps and Step Functions would fail it, unrecorded; ' +
        'make the loop wait at least 5 h 42 min per pass (add a duration wait inside the loop)',
    );
  });

  it('accepts a loop through a waitForEvent\'s timeout of a day', () => {
    // Prepare
    const journey = demoJourney([
      goldCheck('check', 'viewed'),
      { type: 'waitForEvent', id: 'viewed', event: 'page_viewed', timeout: { days: 1 }, next: 'hello', timeoutNext: 'check' },
      greeting('hello', 'done'),
      exitNode('done'),
    ], 'check');

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toBe('(valid)');
  });
});

describe('historyEventsPerPass', () => {
  /** The history events Step Functions writes for one run of a state, without retries. */
  function eventsOf(state: AslState): number {
    if (state.Type !== 'Task') return 2; // entered, exited
    // entered, scheduled, started, (submitted,) succeeded, exited
    return state.Resource === LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN ? 6 : 5;
  }

  it('counts the states each node compiles to on its way through, as the compiled definition has them', () => {
    // Prepare: one node of every type that can be inside a loop.
    const journey = demoJourney([
      greeting('hello', 'settle'),
      { type: 'wait', id: 'settle', wait: { kind: 'duration', duration: { days: 1 } }, next: 'morning' },
      { type: 'wait', id: 'morning', wait: { kind: 'localTime', time: '09:00' }, next: 'order' },
      { type: 'waitForEvent', id: 'order', event: 'order_placed', timeout: { days: 7 }, next: 'check', timeoutNext: 'check' },
      { type: 'branch', id: 'check', rules: [{ when: [{ kind: 'stage', in: ['active'] }], next: 'arms' }], otherwise: 'arms' },
      { type: 'split', id: 'arms', arms: [{ percentage: 50, next: 'held' }, { percentage: 50, next: 'held' }] },
      { type: 'holdout', id: 'held', percentage: 10, holdoutNext: 'promote', next: 'promote' },
      { type: 'setStage', id: 'promote', stage: 'active', next: 'renewal' },
      // Last: a date wait may hold the execution up to its limit.
      { type: 'wait', id: 'renewal', wait: { kind: 'attributeDate', attribute: 'renewal_date' }, next: 'done' },
      exitNode('done'),
    ]);
    const parsed = validateJourney(journey, { templatesDir: FIXTURE_TEMPLATES_DIR });
    const definition = compileJourney(journey, {
      sendFunctionArn: 'send',
      waitForEventFunctionArn: 'wait-for-event',
      journeyEffectsFunctionArn: 'journey-effects',
    }, { templatesDir: FIXTURE_TEMPLATES_DIR });
    // A pass runs the node's own state and the helpers on its way on; not a send's deferral or
    // failure, nor a date wait's early exit, which leave the loop or are paid by the customer's rules.
    const onTheWay = [STATE_SUFFIXES.route, STATE_SUFFIXES.choose, STATE_SUFFIXES.wait];

    // Act
    const counted = parsed.nodes.map((node) => {
      const names = [node.id, ...onTheWay.map((suffix) => node.id + suffix)];
      return names.reduce((sum, name) => {
        const state = definition.States[name];
        return sum + (state === undefined ? 0 : eventsOf(state));
      }, 0);
    });

    // Assess
    expect(parsed.nodes.map(historyEventsPerPass)).toEqual(counted);
  });
});
