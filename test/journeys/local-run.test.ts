import type { AslDefinition } from '../../lib/journeys/asl';
import { DeliveryContentionError } from '../../lib/delivery/deliver-message';
import { journeyDefinitionsFromTemplate } from '../../lib/journeys/local-bindings';
import { CustomerStoreError, StoreContentionError } from '../../lib/store/errors';
import { CATALOG } from '../../workflows';
import { synthesizeCatalogStack } from './journey-stack';
import { CLOCK_TIME, ENTRY_TIME, runScripted, START_TIME, type Script } from './scripted-customer';

// Every run below takes its ASL out of the synthesized template, as the local runtime does.
const definitions = journeyDefinitionsFromTemplate(synthesizeCatalogStack().template.toJSON());

function definitionOf(journeyId: string): AslDefinition {
  const definition = definitions.get(journeyId);
  if (!definition) throw new Error(`journey ${journeyId} is not in the template`);
  return definition;
}

class ProviderThrottledError extends Error {
  constructor() {
    super('ses: throttled; retry with backoff (TooManyRequestsException)');
    this.name = 'ProviderThrottledError';
  }
}

describe('welcome, run locally', () => {
  const welcome = definitionOf('welcome');

  it('sends welcome and tips, takes the timeout branch when no order comes within 7 days, and nudges', async () => {
    // Act
    const { states, calls } = await runScripted(welcome, 'welcome');

    // Assess
    expect(states).toEqual([
      'new-customer',
      'welcome-email',
      'welcome-email.route',
      'settle-in',
      'tips-email',
      'tips-email.route',
      'first-order',
      'first-purchase-nudge',
      'first-purchase-nudge.route',
      'end',
    ]);
    expect(calls.sends.map((send) => send.step)).toEqual(['welcome-email', 'tips-email', 'first-purchase-nudge']);
    expect(calls.waits).toEqual([expect.objectContaining({ step: 'first-order', event: 'order_placed', timeoutSeconds: 7 * 24 * 3600 })]);
    expect(calls.effects.at(-1)).toMatchObject({ action: 'exit', step: 'end', reason: 'completed' });
  });

  it('reaches the goal when the first order arrives while waiting, and sends no nudge', async () => {
    // Act
    const { states, calls } = await runScripted(welcome, 'welcome', { events: { 'first-order': 'arrives' } });

    // Assess
    expect(states.slice(-2)).toEqual(['first-order', 'goal']);
    expect(calls.sends.map((send) => send.step)).toEqual(['welcome-email', 'tips-email']);
    expect(calls.effects.at(-1)).toMatchObject({ action: 'goal', step: 'goal', event: 'order_placed', stage: 'active' });
  });

  it('ends at the goal when the send function finds it reached between steps', async () => {
    // Prepare
    const script: Script = {
      send: (payload) => (payload.step === 'tips-email' ? { outcome: 'skipped', reason: 'goal_reached' } : { outcome: 'sent', channel: 'email' }),
    };

    // Act
    const { states, calls } = await runScripted(welcome, 'welcome', script);

    // Assess
    expect(states.slice(-3)).toEqual(['tips-email', 'tips-email.route', 'goal']);
    expect(calls.waits).toEqual([]);
  });

  it('loops through the defer wait back to the same send step until the send function says sent', async () => {
    // Prepare
    const script: Script = {
      send: (payload, attempt) =>
        payload.step === 'welcome-email' && attempt === 1
          ? { outcome: 'deferred', channel: 'email', until: '2026-03-02T22:00:00Z', reason: 'preferred_window' }
          : { outcome: 'sent', channel: 'email' },
    };

    // Act
    const { states, calls } = await runScripted(welcome, 'welcome', script);

    // Assess
    expect(states.slice(1, 7)).toEqual([
      'welcome-email',
      'welcome-email.route',
      'welcome-email.defer',
      'welcome-email.resend',
      'welcome-email.route',
      'settle-in',
    ]);
    const welcomeSends = calls.sends.filter((send) => send.step === 'welcome-email');
    expect(welcomeSends).toHaveLength(2);
    // The same step again, handed the deferral it waited for.
    expect(welcomeSends[1]).toEqual({
      ...welcomeSends[0],
      deferral: { outcome: 'deferred', channel: 'email', until: '2026-03-02T22:00:00Z', reason: 'preferred_window' },
    });
  });

  it('retries a throttled send and goes on once it is sent', async () => {
    // Prepare
    const script: Script = {
      send: (payload, attempt) => {
        if (payload.step === 'welcome-email' && attempt === 1) throw new ProviderThrottledError();
        return { outcome: 'sent', channel: 'email' };
      },
    };

    // Act
    const { states, calls } = await runScripted(welcome, 'welcome', script);

    // Assess
    expect(states.slice(1, 4)).toEqual(['welcome-email', 'welcome-email', 'welcome-email.route']);
    expect(calls.effects.some((effect) => effect.action === 'sendFailed')).toBe(false);
  });

  it.each([
    ['the customer table failed (throttled, unreachable)', () => new CustomerStoreError('read the decision snapshot of customer c-001 failed')],
    ['concurrent writers kept winning', () => new StoreContentionError('set attributes of customer c-001: contended')],
    ['the customer\'s cap or permissions kept changing', () => new DeliveryContentionError('send welcome-c-001-e-1/welcome-email of customer c-001: kept changing')],
  ])('retries a send whose store failed (%s) and goes on once it is sent, instead of dropping the message', async (_, failure) => {
    // Prepare
    const script: Script = {
      send: (payload, attempt) => {
        if (payload.step === 'welcome-email' && attempt === 1) throw failure();
        return { outcome: 'sent', channel: 'email' };
      },
    };

    // Act
    const { states, calls } = await runScripted(welcome, 'welcome', script);

    // Assess
    expect(states.slice(1, 4)).toEqual(['welcome-email', 'welcome-email', 'welcome-email.route']);
    expect(calls.effects.some((effect) => effect.action === 'sendFailed')).toBe(false);
  });

  it.each([
    ['the table throttled (the raw SDK error)', () => Object.assign(new Error('Throughput exceeds the current capacity of your table or index.'), { name: 'ProvisionedThroughputExceededException' })],
    ['the store failed', () => new CustomerStoreError('store task token of customer c-001 failed')],
  ])('retries a wait for an event whose function failed (%s) and goes on, instead of failing the execution', async (_, failure) => {
    // Prepare
    const script: Script = { waitFailsOnce: { 'first-order': failure } };

    // Act
    const { states, calls } = await runScripted(welcome, 'welcome', script);

    // Assess: the wait ran twice, timed out, and the nudge went out.
    expect(states.filter((state) => state === 'first-order')).toHaveLength(2);
    expect(calls.sends.map((send) => send.step)).toContain('first-purchase-nudge');
  });

  it('records a send that fails for good, without its cause, and continues with the next step', async () => {
    // Prepare
    const script: Script = {
      send: (payload) => {
        if (payload.step === 'welcome-email') throw new TypeError('cannot read template for ana@example.com');
        return { outcome: 'sent', channel: 'email' };
      },
    };

    // Act
    const { states, calls } = await runScripted(welcome, 'welcome', script);

    // Assess
    expect(states.slice(1, 4)).toEqual(['welcome-email', 'welcome-email.failed', 'settle-in']);
    expect(calls.effects).toContainEqual({
      action: 'sendFailed',
      error: 'TypeError',
      customerId: 'c-001',
      journey: 'welcome',
      step: 'welcome-email',
      execution: 'welcome-c-001-test',
    });
  });

  it('hands the send function ids and the step\'s settings only, with the execution\'s own start time and the entry\'s instant, and dates the wait by the execution\'s clock', async () => {
    // Act
    const { calls, execution } = await runScripted(welcome, 'welcome');

    // Assess
    expect(calls.sends[0]).toEqual({
      customerId: 'c-001',
      journey: 'welcome',
      step: 'welcome-email',
      execution: execution.name,
      templateId: 'welcome',
      topic: 'marketing',
      channels: ['email'],
      goal: 'order_placed',
      enteredAt: START_TIME,
      entry: { enteredAt: ENTRY_TIME },
    });
    expect(calls.waits[0]).toEqual({
      customerId: 'c-001',
      journey: 'welcome',
      step: 'first-order',
      execution: execution.name,
      event: 'order_placed',
      taskToken: `local-task-token:${execution.name}`,
      timeoutSeconds: 604800,
      waitStartedAt: CLOCK_TIME,
      entry: { enteredAt: ENTRY_TIME },
    });
  });
});

describe('win-back, run locally', () => {
  const winBack = definitionOf('win-back');

  it('holds out buckets 0–9: no message, and the customer is watched for as long as the ladder runs', async () => {
    // Act
    const { states, calls } = await runScripted(winBack, 'win-back', { bucket: 9 });

    // Assess
    expect(states).toEqual(['holdout', 'holdout.choose', 'held-out', 'held-out-lapsed']);
    expect(calls.sends).toEqual([]);
    expect(calls.waits).toEqual([expect.objectContaining({ step: 'held-out', event: 'order_placed', timeoutSeconds: 44 * 24 * 3600 })]);
    expect(calls.effects.at(-1)).toMatchObject({ action: 'exit', reason: 'holdout_lapsed' });
  });

  it('records a held-out customer who comes back on their own', async () => {
    // Act
    const { states } = await runScripted(winBack, 'win-back', { bucket: 0, events: { 'held-out': 'arrives' } });

    // Assess
    expect(states.at(-1)).toBe('held-out-returned');
  });

  it('escalates from email to SMS to direct mail for bucket 10 and above, moving the customer to lapsed', async () => {
    // Act
    const { calls } = await runScripted(winBack, 'win-back', { bucket: 10 });

    // Assess
    expect(calls.effects[1]).toMatchObject({ action: 'setStage', stage: 'lapsed' });
    expect(calls.sends.map((send) => [send.step, send.channels])).toEqual([
      ['win-back-email', ['email']],
      ['win-back-sms', ['sms']],
      ['win-back-mail', ['mail']],
    ]);
  });

  it('ends as converted when the customer orders after the ladder', async () => {
    // Act
    const { states, calls } = await runScripted(winBack, 'win-back', { events: { comeback: 'arrives' } });

    // Assess
    expect(states.slice(-2)).toEqual(['comeback', 'goal']);
    expect(calls.effects.at(-1)).toMatchObject({ action: 'goal', stage: 'active' });
  });
});

describe('branching journeys, run locally', () => {
  it('active-cross-sell sends the suggestion of the first matching rule', async () => {
    // Act
    const { calls } = await runScripted(definitionOf('active-cross-sell'), 'active-cross-sell', { branches: { 'what-fits': [1] } });

    // Assess
    expect(calls.sends.map((send) => send.step)).toEqual(['store-visitor', 'follow-up']);
    expect(calls.effects[0]).toEqual(expect.objectContaining({ action: 'branch', step: 'what-fits', goal: 'order_placed', enteredAt: START_TIME, entry: { enteredAt: ENTRY_TIME } }));
  });

  it('active-cross-sell runs an execution whose input has no entry instant (started before it was passed), checking the goal from its start', async () => {
    // Act
    const { calls } = await runScripted(definitionOf('active-cross-sell'), 'active-cross-sell', { branches: { 'what-fits': [1] } }, {});

    // Assess
    expect(calls.sends.map((send) => send.step)).toEqual(['store-visitor', 'follow-up']);
    expect(calls.effects[0]).toEqual(expect.objectContaining({ goal: 'order_placed', enteredAt: START_TIME, entry: {} }));
    expect(calls.sends[0]).toEqual(expect.objectContaining({ goal: 'order_placed', enteredAt: START_TIME, entry: {} }));
  });

  it('active-cross-sell ends at the goal when the branch finds it reached', async () => {
    // Act
    const { states, calls } = await runScripted(definitionOf('active-cross-sell'), 'active-cross-sell', { goalReachedAtBranches: true });

    // Assess
    expect(states).toEqual(['let-it-land', 'what-fits', 'what-fits.choose', 'goal']);
    expect(calls.sends).toEqual([]);
  });

  it('active-cross-sell ends, succeeded, with the exit unknown_customer when the customer is gone (erased) at the branch, unretried', async () => {
    // Act (a failed execution would reject)
    const { states, calls } = await runScripted(definitionOf('active-cross-sell'), 'active-cross-sell', { goneAt: 'what-fits' });

    // Assess: one branch call, no retry of it; the exit recorded at the step; nothing sent.
    expect(states).toEqual(['let-it-land', 'what-fits', 'what-fits.unknown-customer']);
    expect(calls.effects.map(({ action, step }) => ({ action, step }))).toEqual([
      { action: 'branch', step: 'what-fits' },
      { action: 'exit', step: 'what-fits' },
    ]);
    expect(calls.effects.at(-1)).toEqual({ action: 'exit', reason: 'unknown_customer', customerId: 'c-001', journey: 'active-cross-sell', step: 'what-fits', execution: 'active-cross-sell-c-001-test' });
    expect(calls.sends).toEqual([]);
  });

  it('win-back ends with the exit unknown_customer when the customer is gone at the goal that moves them to active', async () => {
    // Act
    const { states, calls } = await runScripted(definitionOf('win-back'), 'win-back', { bucket: 99, events: { comeback: 'arrives' }, goneAt: 'goal' });

    // Assess
    expect(states.slice(-2)).toEqual(['goal', 'goal.unknown-customer']);
    expect(calls.effects.at(-1)).toMatchObject({ action: 'exit', reason: 'unknown_customer', step: 'goal' });
  });

  it('loyalty exits below gold without a message', async () => {
    // Act
    const { states, calls } = await runScripted(definitionOf('loyalty'), 'loyalty', { branches: { 'loyal-tier': [-1] } });

    // Assess
    expect(states).toEqual(['loyal-tier', 'loyal-tier.choose', 'not-loyal-tier']);
    expect(calls.sends).toEqual([]);
  });

  it('prospect-nurture nurtures again, each time with a step of its own, while the prospect stays engaged, then lets them go', async () => {
    // Act
    const { calls, states } = await runScripted(definitionOf('prospect-nurture'), 'prospect-nurture', {
      branches: { 'still-engaged-2': [0], 'still-engaged-3': [0], 'still-engaged-4': [-1] },
    });

    // Assess
    expect(calls.sends.map((send) => send.step)).toEqual(['ask-preferences', 'remind-preferences', 'nurture-1', 'nurture-2', 'nurture-3']);
    expect(states.filter((name) => /^nurture-week-\d\.wait$/.test(name))).toEqual(['nurture-week-1.wait', 'nurture-week-2.wait', 'nurture-week-3.wait', 'nurture-week-4.wait']);
    expect(states.at(-1)).toBe('gone-cold');
  });

  it('prospect-nurture ends the series after the fourth nurture when no order comes', async () => {
    // Act
    const { calls, states } = await runScripted(definitionOf('prospect-nurture'), 'prospect-nurture', { branches: { 'still-engaged-2': [0], 'still-engaged-3': [0], 'still-engaged-4': [0] } });

    // Assess
    expect(calls.sends.map((send) => send.step).filter((step) => step.startsWith('nurture'))).toEqual(['nurture-1', 'nurture-2', 'nurture-3', 'nurture-4']);
    expect(calls.waits.filter((wait) => wait.event === 'order_placed').map((wait) => wait.timeoutSeconds / 86_400)).toEqual([13, 13, 13, 14]);
    expect(states.at(-1)).toBe('series-complete');
    expect(calls.effects.at(-1)).toMatchObject({ action: 'exit', step: 'series-complete', reason: 'series_complete' });
  });
});

/** Scripts that, together, should take every state of a journey. */
function exploringScripts(definition: AslDefinition): Script[] {
  const branchSteps = Object.entries(definition.States)
    .filter(([name, state]) => name.endsWith('.choose') && state.Type === 'Choice')
    .map(([name, state]) => ({ step: name.replace(/\.choose$/, ''), rules: state.Type === 'Choice' ? state.Choices.length : 0 }));
  const allArrive = Object.fromEntries(
    Object.entries(definition.States)
      .filter(([, state]) => state.Type === 'Task' && state.Resource.endsWith('.waitForTaskToken'))
      .map(([name]) => [name, 'arrives' as const]),
  );
  const paths: Script[] = [
    {},
    { events: allArrive },
    { bucket: 0 },
    { bucket: 0, events: allArrive },
    { bucket: 99 },
    { goalReachedAtBranches: true },
    ...branchSteps.flatMap(({ step, rules }) => Array.from({ length: rules }, (_, index) => ({ branches: { [step]: [index, -1] } }))),
    // Every branch taking its first rule once: the way through a series of checks, one after another.
    { branches: Object.fromEntries(branchSteps.map(({ step }) => [step, [0, -1]])) },
  ];
  const sendAnswers: Script['send'][] = [
    undefined,
    (_payload, attempt) => (attempt === 1 ? { outcome: 'deferred', until: '2026-03-02T22:00:00Z' } : { outcome: 'sent', channel: 'email' }),
    () => ({ outcome: 'skipped', reason: 'goal_reached' }),
    (_payload, attempt) => {
      if (attempt === 1) throw new Error('boom');
      return { outcome: 'sent', channel: 'email' };
    },
  ];
  // Every step that reads the customer, finding them gone (erased) on every path.
  const goneSteps = Object.keys(definition.States).filter((name) => name.endsWith('.unknown-customer')).map((name) => name.replace(/\.unknown-customer$/, ''));
  // Every path with every kind of send answer, so sends behind a branch are exercised too.
  return [...paths.flatMap((path) => sendAnswers.map((send) => ({ ...path, send }))), ...paths.flatMap((path) => goneSteps.map((goneAt) => ({ ...path, goneAt })))];
}

describe.each(CATALOG.map((journey) => [journey.id] as const))('%s, run locally through every branch', (journeyId) => {
  it('enters every state of its compiled definition in some run', async () => {
    // Prepare
    const definition = definitionOf(journeyId);

    // Act
    const entered = new Set<string>();
    for (const script of exploringScripts(definition)) {
      const { states } = await runScripted(definition, journeyId, script);
      for (const name of states) entered.add(name);
    }

    // Assess
    expect([...entered].sort()).toEqual(Object.keys(definition.States).sort());
  });
});
