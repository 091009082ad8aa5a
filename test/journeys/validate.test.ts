import { InvalidJourneyError, TRANSACTIONAL_DECLARATION, validateJourney } from '../../lib/journeys/validate';
import { days, defineJourney, exit, holdout, onEvent, reEntry, send, wait, waitForEvent } from '../../workflows/builder';
import { FIXTURE_TEMPLATES_DIR, demoJourney, exitNode, greeting, problemsWithTemplateFiles } from './fixtures/journeys';

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

describe('validateJourney', () => {
  it('accepts a journey whose nodes all resolve, are reachable and use existing templates', () => {
    // Prepare
    const journey = demoJourney([greeting('hello', 'pause'), { type: 'wait', id: 'pause', wait: { kind: 'duration', duration: { days: 1 } }, next: 'bye' }, exitNode('bye')]);

    // Act
    const parsed = validateJourney(journey, { templatesDir: FIXTURE_TEMPLATES_DIR });

    // Assess
    expect(parsed.nodes.map((node) => node.id)).toEqual(['hello', 'pause', 'bye']);
  });

  it('accepts an event entry whose when holds conditions, as a branch rule does', () => {
    // Prepare
    const journey = demoJourney([greeting('hello', 'bye'), exitNode('bye')]);
    const trigger = { kind: 'event', events: ['tier_changed'], when: [{ kind: 'attribute', attribute: 'tier', op: 'in', value: ['gold'] }] };

    // Act
    const parsed = validateJourney({ ...journey, entry: { ...(journey.entry as Record<string, unknown>), trigger } }, { templatesDir: FIXTURE_TEMPLATES_DIR });

    // Assess
    expect(parsed.entry.trigger).toEqual(trigger);
  });

  it('fails when an entry condition is malformed, naming the entry, the condition and the fix', () => {
    // Prepare
    const journey = demoJourney([greeting('hello', 'bye'), exitNode('bye')]);
    const trigger = { kind: 'event', events: ['tier_changed'], when: [{ kind: 'attribute', attribute: 'tier', op: 'in', value: 'gold' }] };

    // Act
    const message = failureOf({ ...journey, entry: { ...(journey.entry as Record<string, unknown>), trigger } });

    // Assess
    expect(message).toBe('journey "demo", node "entry" (entry): trigger.when[0].value: "in" needs a list of values');
  });

  it('fails when an entry has an empty when', () => {
    // Prepare
    const journey = demoJourney([greeting('hello', 'bye'), exitNode('bye')]);

    // Act
    const message = failureOf({ ...journey, entry: { ...(journey.entry as Record<string, unknown>), trigger: { kind: 'event', events: ['tier_changed'], when: [] } } });

    // Assess
    expect(message).toMatch(/^journey "demo", node "entry" \(entry\): trigger\.when: /);
  });

  it.each([{ kind: 'audience' }, { kind: 'schedule', expression: 'rate(7 days)' }, { kind: 'inactivity', event: 'order_placed', days: 90 }])(
    'fails when a $kind entry has a when: the marketer chose its audience',
    (trigger) => {
      // Prepare
      const journey = demoJourney([greeting('hello', 'bye'), exitNode('bye')]);
      const when = [{ kind: 'stage', in: ['active'] }];

      // Act
      const message = failureOf({ ...journey, entry: { ...(journey.entry as Record<string, unknown>), trigger: { ...trigger, when } } });

      // Assess
      expect(message).toMatch(/^journey "demo", node "entry" \(entry\): trigger: .*"when"/);
    },
  );

  it('fails when a next names a node that does not exist, naming the node and the fix', () => {
    // Prepare
    const journey = demoJourney([greeting('hello', 'byee'), exitNode('bye')]);

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toBe('journey "demo", node "hello" (send): next refers to unknown node "byee"; add a node with id "byee" or point next at an existing node');
  });

  it('fails when a node cannot be reached from the entry', () => {
    // Prepare
    const journey = demoJourney([greeting('hello', 'bye'), exitNode('bye'), exitNode('orphan')]);

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toBe('journey "demo", node "orphan" (exit): unreachable from the entry; remove it or point a next of another node at it');
  });

  it('fails when a loop has no wait, showing the loop', () => {
    // Prepare
    const journey = demoJourney([
      greeting('hello', 'promote'),
      { type: 'setStage', id: 'promote', stage: 'active', next: 'check' },
      { type: 'branch', id: 'check', rules: [{ when: [{ kind: 'stage', in: ['active'] }], next: 'promote' }], otherwise: 'bye' },
      exitNode('bye'),
    ]);

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toBe('journey "demo", node "promote" (setStage): loop promote → check → promote has no wait; add a wait or waitForEvent node inside the loop');
  });

  it('accepts a loop that goes through a wait', () => {
    // Prepare: every Tuesday, until the customer was seen on the web; then one greeting.
    const journey = demoJourney(
      [
        { type: 'wait', id: 'weekly', wait: { kind: 'localTime', time: '10:00', weekdays: ['tue'] }, next: 'check' },
        { type: 'branch', id: 'check', rules: [{ when: [{ kind: 'eventWithin', event: 'web_visit', days: 30 }], next: 'hello' }], otherwise: 'weekly' },
        greeting('hello', 'bye'),
        exitNode('bye'),
      ],
      'weekly',
    );

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toBe('(valid)');
  });

  it('fails when a loop\'s only wait has weekdays but no time, which ends at once on a matching day', () => {
    // Prepare: "every Monday, until the customer was seen on the web" — on a Monday the wait ends
    // at once, so the loop would run its Lambda calls back to back until the history is full.
    const journey = demoJourney(
      [
        { type: 'wait', id: 'monday', wait: { kind: 'localTime', weekdays: ['mon'] }, next: 'check' },
        { type: 'branch', id: 'check', rules: [{ when: [{ kind: 'eventWithin', event: 'web_visit', days: 30 }], next: 'hello' }], otherwise: 'monday' },
        greeting('hello', 'bye'),
        exitNode('bye'),
      ],
      'monday',
    );

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toBe(
      'journey "demo", node "monday" (wait): loop monday → check → monday has no wait that always pauses (wait "monday" has weekdays but no time, so it ends at once on a matching day); ' +
        'give the local-time wait a time, or add a duration wait or a waitForEvent node inside the loop',
    );
  });

  it('fails when a loop\'s only wait is a date wait, which does not wait for a missing date', () => {
    // Prepare
    const journey = demoJourney(
      [
        { type: 'wait', id: 'renewal', wait: { kind: 'attributeDate', attribute: 'renewalDate' }, next: 'check' },
        { type: 'branch', id: 'check', rules: [{ when: [{ kind: 'eventWithin', event: 'renewed', days: 30 }], next: 'hello' }], otherwise: 'renewal' },
        greeting('hello', 'bye'),
        exitNode('bye'),
      ],
      'renewal',
    );

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toBe(
      'journey "demo", node "renewal" (wait): loop renewal → check → renewal has no wait that always pauses (wait "renewal" waits for a date, and a missing or unreadable date does not wait); ' +
        'add a duration wait or a waitForEvent node inside the loop',
    );
  });

  it('fails when a send step uses a template that does not exist', () => {
    // Prepare
    const journey = demoJourney([{ ...greeting('hello', 'bye'), templateId: 'nope' }, exitNode('bye')]);

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toBe('journey "demo", node "hello" (send): template "nope" does not exist; create test/journeys/fixtures/templates/nope/ or use an existing template id');
  });

  it('fails when a send step allows a channel its template does not support', () => {
    // Prepare
    const journey = demoJourney([{ ...greeting('hello', 'bye'), channels: ['email', 'sms'] }, exitNode('bye')]);

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toBe(
      'journey "demo", node "hello" (send): template "greeting" does not support channel "sms" (missing sms.liquid); add them to test/journeys/fixtures/templates/greeting/ or remove "sms" from channels',
    );
  });

  describe('follow-ups', () => {
    const pause = (id: string, next: string): Record<string, unknown> => ({ type: 'wait', id, wait: { kind: 'duration', duration: { days: 7 } }, next });
    const followUp = (followUpOf: string[]): Record<string, unknown> => ({ ...greeting('again', 'bye'), followUpOf });

    it('accepts a follow-up of an earlier send step', () => {
      // Prepare
      const journey = demoJourney([greeting('hello', 'pause'), pause('pause', 'again'), followUp(['hello']), exitNode('bye')]);

      // Act
      const message = failureOf(journey);

      // Assess
      expect(message).toBe('(valid)');
    });

    it.each([
      ['a node that does not exist', ['helo'], 'followUpOf "helo" names no node of the journey'],
      ['a step that is not a send step', ['pause'], 'followUpOf "pause" is not a send step'],
      ['the step itself', ['again'], 'followUpOf "again" is this step itself'],
    ])('refuses a follow-up of %s, naming it', (_case, followUpOf, problem) => {
      // Prepare
      const journey = demoJourney([greeting('hello', 'pause'), pause('pause', 'again'), followUp(followUpOf), exitNode('bye')]);

      // Act
      const message = failureOf(journey);

      // Assess
      expect(message).toBe(
        `journey "demo", node "again" (send): ${problem}; a follow-up sends only after one of the earlier send steps it names sent, so name send steps that lead to it`,
      );
    });

    it('refuses a follow-up of a step that comes only after it', () => {
      // Prepare
      const journey = demoJourney([{ ...greeting('hello', 'pause'), followUpOf: ['later'] }, pause('pause', 'later'), greeting('later', 'bye'), exitNode('bye')]);

      // Act
      const message = failureOf(journey);

      // Assess
      expect(message).toContain('node "hello" (send): followUpOf "later" cannot come before this step (no path leads from it here)');
    });
  });

  it('fails when a waitForEvent has no timeout', () => {
    // Prepare
    const journey = demoJourney([greeting('hello', 'first-order'), { type: 'waitForEvent', id: 'first-order', event: 'order_placed', next: 'bye' }, exitNode('bye')]);

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toBe(
      'journey "demo", node "first-order" (waitForEvent): timeout: missing; every waitForEvent needs a timeout (e.g. "timeout": { "days": 7 }) and a timeoutNext for when the event does not come',
    );
  });

  it('fails when a waitForEvent has a timeout but nowhere to go when it passes', () => {
    // Prepare
    const journey = demoJourney([
      greeting('hello', 'first-order'),
      { type: 'waitForEvent', id: 'first-order', event: 'order_placed', timeout: { days: 7 }, next: 'bye' },
      exitNode('bye'),
    ]);

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toBe(
      'journey "demo", node "first-order" (waitForEvent): timeoutNext: missing; every waitForEvent needs a timeout (e.g. "timeout": { "days": 7 }) and a timeoutNext for when the event does not come',
    );
  });

  describe('holdouts', () => {
    const hello = send('hello', { template: 'greeting', topic: 'marketing', channels: ['email'] });
    const withHoldout = (arm: Parameters<typeof holdout>[1]['holdout']) =>
      defineJourney({ id: 'demo', name: 'Demo', entry: onEvent(['signed_up'], reEntry.never), steps: [holdout('holdout', { percentage: 10, holdout: arm }), hello] });

    it('refuses one whose held-out arm rejoins the sequence before a send step, naming the holdout, the send step and the fix', () => {
      // Prepare: "hold 10% out and watch them for a day"; the arm does not end in an exit, so it continues with the send.
      const journey = withHoldout([wait('watch', days(1))]);
      expect(journey.nodes.find((node) => node.id === 'watch')).toMatchObject({ next: 'hello' });

      // Act
      const message = failureOf(journey);

      // Assess
      expect(message).toBe(
        'journey "demo", node "holdout" (holdout): the held-out group reaches send step "hello" (holdout → watch → hello), ' +
          'so the customers held out to measure the messages are sent them; end the held-out arm (holdoutNext) in an exit, ' +
          "e.g. exit('held-out', 'holdout') as the last step of the builder's holdout arm",
      );
    });

    it('refuses one with an empty held-out arm, which sends the held-out group straight on', () => {
      // Prepare
      const journey = withHoldout([]);

      // Act
      const message = failureOf(journey);

      // Assess
      expect(message).toContain('node "holdout" (holdout): the held-out group reaches send step "hello" (holdout → hello)');
    });

    it('refuses one whose held-out group is sent a nudge when a wait for an event times out, naming that step and not the others\' message', () => {
      // Prepare
      const journey = demoJourney(
        [
          { type: 'holdout', id: 'holdout', percentage: 10, holdoutNext: 'watch', next: 'hello' },
          { type: 'waitForEvent', id: 'watch', event: 'order_placed', timeout: { days: 7 }, next: 'bye', timeoutNext: 'nudge' },
          greeting('nudge', 'bye'),
          greeting('hello', 'bye'),
          exitNode('bye'),
        ],
        'holdout',
      );

      // Act
      const message = failureOf(journey);

      // Assess
      expect(message).toContain('node "holdout" (holdout): the held-out group reaches send step "nudge" (holdout → watch → nudge), so');
      expect(message).not.toContain('"hello"');
    });

    it('accepts one whose held-out arm is watched and ends in exits', () => {
      // Prepare: as win-back holds its group out.
      const journey = withHoldout([
        waitForEvent('held-out', { event: 'order_placed', timeout: days(30), onEvent: [exit('held-out-returned', 'holdout_returned')], onTimeout: [exit('held-out-lapsed', 'holdout_lapsed')] }),
      ]);

      // Act
      const message = failureOf(journey);

      // Assess
      expect(message).toBe('(valid)');
    });
  });

  it('fails when two nodes share an id', () => {
    // Prepare
    const journey = demoJourney([greeting('hello', 'bye'), exitNode('bye'), exitNode('bye')]);

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toBe('journey "demo", node "bye" (exit): id "bye" is used by 2 nodes; give each node its own id');
  });

  it('fails when a journey has two goals', () => {
    // Prepare
    const journey = demoJourney([
      greeting('hello', 'bye'),
      exitNode('bye'),
      { type: 'goal', id: 'bought', event: 'order_placed' },
      { type: 'goal', id: 'bought-again', event: 'order_placed' },
    ]);

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toBe('journey "demo", node "bought-again" (goal): a journey has at most one goal and "bought" is one already; remove this one or make it an exit');
  });

  it('names the node and the field of a schema problem', () => {
    // Prepare
    const journey = demoJourney([
      { type: 'split', id: 'hello', arms: [{ percentage: 60, next: 'bye' }, { percentage: 30, next: 'bye' }] },
      exitNode('bye'),
    ]);

    // Act
    const message = failureOf(journey);

    // Assess
    expect(message).toBe('journey "demo", node "hello" (split): arms: percentages must add up to 100');
  });

  it('reports every problem of a journey at once, one per line', () => {
    // Prepare
    const journey = demoJourney([{ ...greeting('hello', 'byee'), templateId: 'nope' }, exitNode('bye')]);

    // Act
    let problems: readonly string[] = [];
    try {
      validateJourney(journey, { templatesDir: FIXTURE_TEMPLATES_DIR });
    } catch (error) {
      if (error instanceof InvalidJourneyError) problems = error.problems;
    }

    // Assess
    expect(problems).toEqual([
      'journey "demo", node "hello" (send): next refers to unknown node "byee"; add a node with id "byee" or point next at an existing node',
      'journey "demo", node "hello" (send): template "nope" does not exist; create test/journeys/fixtures/templates/nope/ or use an existing template id',
    ]);
  });

  describe('unsubscribe links in email', () => {
    it('refuses a marketing email whose text part shows no unsubscribe link, naming the file', () => {
      // Prepare: the List-Unsubscribe header alone is not a link every reader sees
      const journey = demoJourney([greeting('hello', 'bye'), exitNode('bye')]);

      // Act
      const problems = problemsWithTemplateFiles(journey, { 'greeting/email.text.liquid': 'Hello. Your preferences: {{ preferencesUrl }}\n{{ senderPostalAddress }}' });

      // Assess
      expect(problems).toEqual([
        'journey "demo", node "hello" (send): template "greeting" is sent as marketing email (topic "marketing") but email.text.liquid does not print {{ unsubscribeUrl }}; add the unsubscribe link to the footer of both parts',
      ]);
    });

    it('refuses a marketing email with the link in neither part, naming both files', () => {
      // Prepare
      const journey = demoJourney([greeting('hello', 'bye'), exitNode('bye')]);

      // Act
      const problems = problemsWithTemplateFiles(journey, {
        'greeting/email.text.liquid': 'Hello\n{{ senderPostalAddress }}',
        'greeting/email.html.liquid': '<p>Hello</p><p>{{ senderPostalAddress | newline_to_br }}</p>',
      });

      // Assess
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('but email.text.liquid and email.html.liquid do not print {{ unsubscribeUrl }}');
    });

    it('refuses a transactional email that shows an unsubscribe link, which would unsubscribe from nothing', () => {
      // Prepare: a receipt with the usual footer link
      const journey = demoJourney([{ type: 'send', id: 'hello', templateId: 'receipt', topic: 'transactional', channels: ['email'], next: 'bye' }, exitNode('bye')]);

      // Act
      const problems = problemsWithTemplateFiles(journey, {
        'receipt/email.html.liquid': '<p>Your order is confirmed.</p><p><a href="{{ unsubscribeUrl }}">Unsubscribe</a></p>',
      });

      // Assess
      expect(problems).toEqual([
        'journey "demo", node "hello" (send): template "receipt" is sent as transactional email but email.html.liquid prints {{ unsubscribeUrl }}, which would unsubscribe from nothing; link {{ preferencesUrl }} instead',
      ]);
    });
  });

  describe("the sender's postal address in email", () => {
    it('refuses a marketing email whose HTML part does not print the address, naming the journey, node and file', () => {
      // Prepare: CAN-SPAM asks for the sender's postal address in every commercial email
      const journey = demoJourney([greeting('hello', 'bye'), exitNode('bye')]);

      // Act
      const problems = problemsWithTemplateFiles(journey, { 'greeting/email.html.liquid': '<p>Hello</p><p><a href="{{ unsubscribeUrl }}">Unsubscribe</a></p>' });

      // Assess
      expect(problems).toEqual([
        'journey "demo", node "hello" (send): template "greeting" is sent as marketing email (topic "marketing") but email.html.liquid does not print {{ senderPostalAddress }}, ' +
          "the sender's postal address every marketing email must show; add it to the footer of both parts (in email.html.liquid as {{ senderPostalAddress | newline_to_br }}, which keeps its lines)",
      ]);
    });

    it('refuses a marketing email with the address in neither part, naming both files', () => {
      // Prepare
      const journey = demoJourney([greeting('hello', 'bye'), exitNode('bye')]);

      // Act
      const problems = problemsWithTemplateFiles(journey, {
        'greeting/email.text.liquid': 'Hello\n{{ unsubscribeUrl }}',
        'greeting/email.html.liquid': '<a href="{{ unsubscribeUrl }}">Unsubscribe</a>',
      });

      // Assess
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('but email.text.liquid and email.html.liquid do not print {{ senderPostalAddress }}');
    });

    it('accepts a transactional email without the address', () => {
      // Prepare: the receipt fixture prints no address
      const journey = demoJourney([{ type: 'send', id: 'hello', templateId: 'receipt', topic: 'transactional', channels: ['email'], next: 'bye' }, exitNode('bye')]);

      // Act
      const problems = problemsWithTemplateFiles(journey, {});

      // Assess
      expect(problems).toEqual([]);
    });
  });

  describe('transactional steps', () => {
    /** A send node of `templateId` by email that needs no marketing consent. */
    const transactional = (templateId: string) => ({ type: 'send', id: 'hello', templateId, topic: 'transactional', channels: ['email'], next: 'bye' });

    it('accepts one whose template declares itself transactional, in a journey the customer starts', () => {
      // Prepare
      const journey = demoJourney([transactional('receipt'), exitNode('bye')]);

      // Act
      const message = failureOf(journey);

      // Assess
      expect(message).toBe('(valid)');
    });

    it('refuses one whose template does not declare itself transactional, naming the file to write', () => {
      // Prepare
      const journey = demoJourney([transactional('greeting'), exitNode('bye')]);

      // Act
      const message = failureOf(journey);

      // Assess
      expect(message).toContain(
        'journey "demo", node "hello" (send): topic "transactional" needs a template declared transactional; write in test/journeys/fixtures/templates/greeting/transactional.md why "greeting" needs no marketing consent (a receipt, a reply to the customer\'s own request), or use a consent topic such as "marketing"',
      );
    });

    it('refuses one whose declaration gives no reason', () => {
      // Prepare
      const journey = demoJourney([transactional('receipt'), exitNode('bye')]);

      // Act
      const problems = problemsWithTemplateFiles(journey, { [`receipt/${TRANSACTIONAL_DECLARATION}`]: ' \n\n' });

      // Assess
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('topic "transactional" needs a template declared transactional');
    });

    it.each([
      ['an audience launch', { kind: 'audience' }],
      ['a schedule', { kind: 'schedule', expression: 'rate(7 days)' }],
      ['inactivity', { kind: 'inactivity', event: 'order_placed', days: 90 }],
    ])('refuses one in a journey started by %s, even with a declared template', (_, trigger) => {
      // Prepare
      const journey = demoJourney([transactional('receipt'), exitNode('bye')]);
      const started = { ...journey, entry: { ...(journey.entry as Record<string, unknown>), trigger } };

      // Act
      const message = failureOf(started);

      // Assess
      expect(message).toBe(
        `journey "demo", node "hello" (send): topic "transactional" in a journey started by ${trigger.kind}; only a journey started by the customer's own event may send without marketing consent, so use a consent topic such as "marketing"`,
      );
    });
  });
});
