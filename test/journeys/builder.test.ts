import {
  attribute,
  branch,
  days,
  defineJourney,
  eventWithin,
  exit,
  goTo,
  holdout,
  JourneyBuilderError,
  onEvent,
  reachGoal,
  reEntry,
  send,
  setStage,
  stageIn,
  wait,
  waitForEvent,
} from '../../workflows/builder';
import { CATALOG, journeys } from '../../workflows';
import { JourneySchema } from '../../lib/journeys/format';
import { DEFAULT_TEMPLATES_DIR, validateJourney } from '../../lib/journeys/validate';
import { loadTemplateCatalog } from '../../lib/templates';
import { FIXTURE_TEMPLATES_DIR } from './fixtures/journeys';

const hello = (id: string) => send(id, { template: 'greeting', topic: 'marketing', channels: ['email'] });

describe('defineJourney', () => {
  it('chains steps in order and ends a journey that runs off its end at an "end" exit', () => {
    // Prepare
    const spec = { id: 'demo', name: 'Demo', entry: onEvent(['signed_up'], reEntry.never), steps: [hello('hello'), wait('pause', days(2)), hello('again')] };

    // Act
    const journey = defineJourney(spec);

    // Assess
    expect(journey).toEqual({
      formatVersion: 1,
      id: 'demo',
      name: 'Demo',
      entry: { type: 'entry', id: 'entry', trigger: { kind: 'event', events: ['signed_up'] }, reEntry: { rule: 'never' }, next: 'hello' },
      nodes: [
        { type: 'send', id: 'hello', templateId: 'greeting', topic: 'marketing', channels: ['email'], next: 'pause' },
        { type: 'wait', id: 'pause', wait: { kind: 'duration', duration: { days: 2 } }, next: 'again' },
        { type: 'send', id: 'again', templateId: 'greeting', topic: 'marketing', channels: ['email'], next: 'end' },
        { type: 'exit', id: 'end', reason: 'completed' },
      ],
    });
  });

  it('rejoins nested arms after the forking step, and jumps where an arm says so', () => {
    // Prepare
    const spec = {
      id: 'demo',
      name: 'Demo',
      entry: onEvent(['signed_up'], reEntry.afterDays(30)),
      goal: { event: 'order_placed', stage: 'active' as const },
      steps: [
        holdout('holdout', { percentage: 10, holdout: [exit('held-out', 'holdout')] }),
        branch('tier', { rules: [{ when: attribute('tier', 'in', ['gold']), then: [hello('gold-hello')] }], otherwise: [setStage('demote', 'lapsed')] }),
        waitForEvent('first-order', { event: 'order_placed', timeout: days(7), onEvent: reachGoal(), onTimeout: [hello('nudge'), goTo('tier')] }),
      ],
    };

    // Act
    const journey = defineJourney(spec);

    // Assess
    const next = Object.fromEntries(journey.nodes.map((node) => [node.id, 'next' in node ? node.next : undefined]));
    expect(journey.nodes.map((node) => node.id)).toEqual(['holdout', 'held-out', 'tier', 'gold-hello', 'demote', 'first-order', 'nudge', 'goal']);
    expect(journey.nodes.find((node) => node.id === 'holdout')).toMatchObject({ holdoutNext: 'held-out', next: 'tier' });
    expect(journey.nodes.find((node) => node.id === 'tier')).toMatchObject({ rules: [{ next: 'gold-hello' }], otherwise: 'demote' });
    expect(next['gold-hello']).toBe('first-order');
    expect(next.demote).toBe('first-order');
    expect(journey.nodes.find((node) => node.id === 'first-order')).toMatchObject({ next: 'goal', timeoutNext: 'nudge' });
    expect(next.nudge).toBe('tier');
    expect(journey.nodes.find((node) => node.id === 'goal')).toEqual({ type: 'goal', id: 'goal', event: 'order_placed', stage: 'active' });
  });

  it('produces plain JSON data that the schema parses back unchanged', () => {
    // Prepare
    const journey = journeys.welcome;

    // Act
    const roundTripped = JourneySchema.parse(JSON.parse(JSON.stringify(journey)));

    // Assess
    expect(roundTripped).toEqual(journey);
  });

  it('gives an event entry the conditions of its when, one condition or a list, and none when it has no when', () => {
    // Act
    const one = onEvent(['tier_changed'], reEntry.afterDays(365), { when: attribute('tier', 'in', ['gold', 'platinum']) });
    const list = onEvent(['order_placed'], reEntry.always, { when: [stageIn('active'), eventWithin('store_visit', { days: 30 })] });
    const none = onEvent(['signed_up'], reEntry.never);

    // Assess
    expect(one.trigger).toEqual({ kind: 'event', events: ['tier_changed'], when: [{ kind: 'attribute', attribute: 'tier', op: 'in', value: ['gold', 'platinum'] }] });
    expect(list.trigger).toEqual({
      kind: 'event',
      events: ['order_placed'],
      when: [
        { kind: 'stage', in: ['active'] },
        { kind: 'eventWithin', event: 'store_visit', days: 30 },
      ],
    });
    expect(none.trigger).toEqual({ kind: 'event', events: ['signed_up'] });
  });

  it('fails when reachGoal is used in a journey without a goal', () => {
    // Prepare
    const spec = { id: 'demo', name: 'Demo', entry: onEvent(['signed_up'], reEntry.never), steps: [hello('hello'), reachGoal()] };

    // Act
    const build = () => defineJourney(spec);

    // Assess
    expect(build).toThrow(new JourneyBuilderError('journey "demo": reachGoal() needs a goal; add goal: { event: … }'));
  });

  it('fails when a step takes the id "end", rather than running those who complete into that step', () => {
    // Prepare: gold customers run off the end after "gold-offer"; the others get the step "end"
    const consolation = {
      id: 'demo',
      name: 'Demo',
      entry: onEvent(['tier_changed'], reEntry.always),
      steps: [
        branch('tier', { rules: [{ when: attribute('tier', 'equals', 'gold'), then: [] }], otherwise: [hello('end'), exit('bye')] }),
        hello('gold-offer'),
      ],
    };
    const notOptedIn = {
      id: 'demo',
      name: 'Demo',
      entry: onEvent(['signed_up'], reEntry.always),
      steps: [
        branch('opted-in', { rules: [{ when: attribute('newsletter', 'exists'), then: [] }], otherwise: [exit('end', 'not_opted_in')] }),
        hello('hello'),
      ],
    };

    // Act
    const builds = [consolation, notOptedIn].map((spec) => () => defineJourney(spec));

    // Assess
    const reserved = new JourneyBuilderError(
      'journey "demo": step id "end" is reserved for the exit the builder adds where a sequence runs off the end; rename the step',
    );
    for (const build of builds) expect(build).toThrow(reserved);
  });

  it('fails when a step takes the goal node\'s id', () => {
    // Prepare
    const goal = { event: 'order_placed' };
    const spec = { id: 'demo', name: 'Demo', entry: onEvent(['signed_up'], reEntry.never), goal, steps: [hello('goal'), reachGoal()] };

    // Act
    const build = () => defineJourney(spec);

    // Assess
    expect(build).toThrow(new JourneyBuilderError('journey "demo": step id "goal" is the goal node\'s id; rename the step, or name the goal with goal: { id: … }'));
    expect(defineJourney({ ...spec, goal: { ...goal, id: 'converted' } }).nodes.map((node) => node.id)).toEqual(['goal', 'converted']);
  });

  it('builds journeys the validator accepts', () => {
    // Prepare
    const journey = defineJourney({
      id: 'demo',
      name: 'Demo',
      entry: onEvent(['signed_up'], reEntry.always),
      goal: { event: 'order_placed' },
      steps: [hello('hello'), waitForEvent('first-order', { event: 'order_placed', timeout: days(7), onEvent: reachGoal() }), hello('nudge')],
    });

    // Act
    const parsed = validateJourney(journey, { templatesDir: FIXTURE_TEMPLATES_DIR });

    // Assess
    expect(parsed).toEqual(journey);
  });
});

describe('the catalog', () => {
  it('holds the five lifecycle journeys by id, each valid with the project templates', () => {
    // Prepare
    const ids = CATALOG.map((journey) => journey.id);

    // Act
    const validated = CATALOG.map((journey) => validateJourney(journey));

    // Assess
    expect(ids).toEqual(['prospect-nurture', 'welcome', 'active-cross-sell', 'loyalty', 'win-back']);
    expect(Object.keys(journeys)).toEqual(ids);
    expect(validated).toEqual(CATALOG);
  });

  it('uses templates that load, pass the variable check and support every channel their steps allow', () => {
    // Act
    const templates = loadTemplateCatalog(DEFAULT_TEMPLATES_DIR);

    // Assess
    for (const journey of CATALOG) {
      for (const node of journey.nodes) {
        if (node.type !== 'send') continue;
        for (const channel of node.channels) expect([node.id, channel, templates.has(node.templateId, channel)]).toEqual([node.id, channel, true]);
      }
    }
  });

  it('enters loyalty only for a loyalty tier, and checks the tier again at its first step', () => {
    // Prepare
    const loyalty = journeys.loyalty;
    const tier = { kind: 'attribute', attribute: 'tier', op: 'in', value: ['gold', 'platinum'] };

    // Act
    const first = loyalty?.nodes.find((node) => node.id === loyalty.entry.next);

    // Assess
    expect(loyalty?.entry.trigger).toEqual({ kind: 'event', events: ['tier_changed'], when: [tier] });
    expect(first).toMatchObject({ type: 'branch', rules: [{ when: [tier], next: 'became-loyal' }], otherwise: 'not-loyal-tier' });
  });

  it('holds a 10% holdout in win-back, ahead of any message', () => {
    // Prepare
    const winBack = journeys['win-back'];

    // Act
    const first = winBack?.nodes.find((node) => node.id === winBack.entry.next);

    // Assess
    expect(first).toMatchObject({ type: 'holdout', percentage: 10 });
  });
});
