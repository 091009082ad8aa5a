import fc from 'fast-check';
import { LADDER_JOURNEY, RUNNABLE_JOURNEY, contractScenarioJson, sharedScenarioJson } from './fixtures';
import { ScenarioError, parseScenario, parseScenarioText, type ScenarioIssue } from '../../lib/scenario/scenario';
import { formatPath } from '../../lib/scenario/issues';
import { AttributeChangesSchema } from '../../lib/store/records';
import { journeys } from '../../workflows';

const options = { knownJourneys: Object.keys(journeys) };

/** The issues `parseScenario` raises for `json` (fails the test when it accepts it). */
function issuesOf(json: unknown): readonly ScenarioIssue[] {
  try {
    parseScenario(json, options);
  } catch (error) {
    if (error instanceof ScenarioError) return error.issues;
    throw error;
  }
  throw new Error('the scenario was accepted');
}

function messageOf(json: unknown): string {
  try {
    parseScenario(json, options);
  } catch (error) {
    if (error instanceof ScenarioError) return error.message;
    throw error;
  }
  throw new Error('the scenario was accepted');
}

describe('parseScenario', () => {
  it('accepts the example scenario of the contract', () => {
    // Prepare
    const json = contractScenarioJson();

    // Act
    const scenario = parseScenario(json, options);

    // Assess
    expect(scenario.customers.map((c) => c.id)).toEqual(['c-001', 'c-002', 'c-003', 'c-004']);
    expect(scenario.events.map((e) => e.type)).toEqual(['event', 'consent', 'bounce', 'profile']);
  });

  it('accepts the shared revocation-mid-journey scenario', () => {
    // Act
    const scenario = parseScenario(sharedScenarioJson(), options);

    // Assess
    expect(scenario.journeys).toEqual(['welcome']);
    expect(scenario.customers[1]?.preferences?.maxPerWeek).toBe(2);
  });

  it('names the path of an unknown time zone exactly as the contract shows', () => {
    // Prepare
    const json = contractScenarioJson();
    json.customers[3] = { ...json.customers[3], timezone: 'Mars/Base' };

    // Act
    const message = messageOf(json);

    // Assess
    expect(message).toBe('customers[3].timezone: unknown time zone "Mars/Base"');
  });

  it('lists every offending path, one line each, in one error', () => {
    // Prepare
    const json = contractScenarioJson();
    json.customers[0] = { ...json.customers[0], timezone: 'Mars/Base' };
    json.customers[2] = { ...json.customers[2], phone: '555-0143' };
    json.journeys = ['welcome', 'no-such-journey'];

    // Act
    const issues = issuesOf(json);

    // Assess
    expect(issues.map((issue) => issue.path)).toEqual(['customers[0].timezone', 'customers[2].phone', 'journeys[1]']);
    expect(messageOf(json).split('\n')).toHaveLength(3);
  });

  it('rejects an unknown journey and says which journeys the catalog has', () => {
    // Prepare
    const json = { ...contractScenarioJson(), journeys: ['welcome', 'wellcome'] };

    // Act
    const issues = issuesOf(json);

    // Assess
    expect(issues).toEqual([
      { path: 'journeys[1]', message: expect.stringMatching(/^unknown journey "wellcome"; the catalog has .*"welcome"/) },
    ]);
  });

  it('accepts an inline journey definition and reports problems inside it by their path', () => {
    // Prepare
    const good = { ...contractScenarioJson(), journeys: ['welcome', RUNNABLE_JOURNEY] };
    const badNode = { ...RUNNABLE_JOURNEY.nodes[0], channels: ['email', 'fax'] };
    const bad = { ...contractScenarioJson(), journeys: [{ ...RUNNABLE_JOURNEY, nodes: [badNode, ...RUNNABLE_JOURNEY.nodes.slice(1)] }] };

    // Act
    const scenario = parseScenario(good, options);
    const issues = issuesOf(bad);

    // Assess
    expect(scenario.journeys[1]).toMatchObject({ id: 'runnable' });
    expect(issues.map((issue) => issue.path)).toEqual(['journeys[0].nodes[0].channels[1]']);
  });

  it('rejects, at the journey\'s path and before anything runs, an inline journey synthesis would refuse', () => {
    // Prepare: a template that does not exist, a next to no node, a node no path reaches.
    const json = { ...contractScenarioJson(), journeys: ['welcome', LADDER_JOURNEY, { ...RUNNABLE_JOURNEY, nodes: [{ ...RUNNABLE_JOURNEY.nodes[0], next: 'nowhere' }, { type: 'exit', id: 'done' }] }] };

    // Act
    const issues = issuesOf(json);

    // Assess
    expect(issues).toEqual([
      { path: 'journeys[1]', message: 'journey "ladder", node "offer" (send): template "offer" does not exist; create workflows/templates/offer/ or use an existing template id' },
      { path: 'journeys[1]', message: 'journey "ladder", node "receipt" (send): template "receipt" does not exist; create workflows/templates/receipt/ or use an existing template id' },
      { path: 'journeys[1]', message: 'journey "ladder", node "text" (send): template "text" does not exist; create workflows/templates/text/ or use an existing template id' },
      { path: 'journeys[2]', message: 'journey "runnable", node "offer" (send): next refers to unknown node "nowhere"; add a node with id "nowhere" or point next at an existing node' },
    ]);
  });

  it('rejects a journey listed twice', () => {
    // Prepare
    const json = { ...contractScenarioJson(), journeys: ['welcome', { ...RUNNABLE_JOURNEY, id: 'welcome' }] };

    // Act
    const issues = issuesOf(json);

    // Assess
    expect(issues).toEqual([
      { path: 'journeys[1]', message: 'journey "welcome" is listed twice (also journeys[0])' },
      { path: 'journeys[1].id', message: '"welcome" is a catalog journey; give the inline journey another id' },
    ]);
  });

  it('rejects an inline journey with the id of a catalog journey, which the stack would run instead of it', () => {
    // Prepare
    const json = { ...contractScenarioJson(), journeys: [{ ...RUNNABLE_JOURNEY, id: 'welcome' }] };

    // Act
    const issues = issuesOf(json);

    // Assess
    expect(issues).toEqual([{ path: 'journeys[0].id', message: '"welcome" is a catalog journey; give the inline journey another id' }]);
  });

  it.each([
    ['scheduled', { kind: 'schedule', expression: 'cron(0 10 ? * MON *)' }],
    ['audience', { kind: 'audience' }],
  ])('rejects an inline %s journey, which nothing in a simulation would start, and says to give it an event entry', (kind, trigger) => {
    // Prepare
    const json = { ...contractScenarioJson(), journeys: ['welcome', { ...RUNNABLE_JOURNEY, entry: { ...RUNNABLE_JOURNEY.entry, trigger } }] };

    // Act
    const issues = issuesOf(json);

    // Assess
    expect(issues).toEqual([
      { path: 'journeys[1].entry.trigger', message: expect.stringMatching(new RegExp(`^an? ${kind} journey cannot be simulated: .*; give it an event entry`)) },
    ]);
  });

  it('rejects a catalog journey named by id whose entry is a schedule, and accepts the catalog\'s own entries', () => {
    // Prepare
    const digest = { ...RUNNABLE_JOURNEY, id: 'digest', entry: { ...RUNNABLE_JOURNEY.entry, trigger: { kind: 'schedule' as const, expression: 'rate(7 days)' } } };
    const catalog = { ...journeys, digest };
    const named = { ...contractScenarioJson(), journeys: ['welcome', 'digest'] };

    // Act
    let issues: readonly ScenarioIssue[] = [];
    try {
      parseScenario(named, { knownJourneys: Object.keys(catalog), catalog });
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      issues = error.issues;
    }
    const everyCatalogJourney = parseScenario({ ...contractScenarioJson(), journeys: Object.keys(journeys) }, options);

    // Assess
    expect(issues).toEqual([{ path: 'journeys[1]', message: expect.stringMatching(/^"digest": a scheduled journey cannot be simulated: .*; simulate an inline copy of it with another id/) }]);
    expect(everyCatalogJourney.journeys).toEqual(Object.keys(journeys));
  });

  it('rejects an until that is not after start', () => {
    // Prepare
    const json = { ...contractScenarioJson(), until: '2026-03-02T09:00:00Z' };

    // Act
    const issues = issuesOf(json);

    // Assess
    expect(issues).toContainEqual({ path: 'until', message: 'must be after start (2026-03-02T09:00:00Z)' });
  });

  it('rejects an event for a customer the scenario does not have', () => {
    // Prepare
    const json = contractScenarioJson();
    json.events = [{ at: '2026-03-03T10:00:00Z', customerId: 'c-404', type: 'event', name: 'signed_up', properties: {} }];

    // Act
    const issues = issuesOf(json);

    // Assess
    expect(issues).toEqual([{ path: 'events[0].customerId', message: 'no customer "c-404" in customers' }]);
  });

  it('rejects events before start or at until', () => {
    // Prepare
    const json = contractScenarioJson();
    json.events = [
      { at: '2026-03-02T08:59:59Z', customerId: 'c-001', type: 'event', name: 'signed_up' },
      { at: '2026-03-02T09:00:00Z', customerId: 'c-001', type: 'event', name: 'signed_up' },
      { at: '2026-04-15T00:00:00Z', customerId: 'c-001', type: 'event', name: 'signed_up' },
    ];

    // Act
    const issues = issuesOf(json);

    // Assess
    expect(issues.map((issue) => issue.path)).toEqual(['events[0].at', 'events[2].at']);
  });

  it('rejects a customer id used twice, naming the first one', () => {
    // Prepare
    const json = contractScenarioJson();
    json.customers[2] = { ...json.customers[2], id: 'c-001' };

    // Act
    const issues = issuesOf(json);

    // Assess
    expect(issues).toEqual([{ path: 'customers[2].id', message: '"c-001" repeats customers[0].id' }]);
  });

  it('names an unknown field at its own path', () => {
    // Prepare
    const json = contractScenarioJson();
    json.customers[1] = { ...json.customers[1], timezon: 'Europe/London' };

    // Act
    const issues = issuesOf(json);

    // Assess
    expect(issues).toEqual([{ path: 'customers[1].timezon', message: 'unknown field' }]);
  });

  it.each([
    ['an event type that does not exist', { type: 'purchase' }, 'events[0].type'],
    ['a bounce kind other than hard or soft', { type: 'bounce', channel: 'email', kind: 'transient' }, 'events[0].kind'],
    ['a complaint on an unknown channel', { type: 'complaint', channel: 'fax' }, 'events[0].channel'],
    ['a consent with status pending', { type: 'consent', channel: 'sms', topic: 'marketing', status: 'pending', source: 'web' }, 'events[0].status'],
    ['a customer event without a name', { type: 'event' }, 'events[0].name'],
    ['a profile change of an unknown field', { type: 'profile', changes: { nickname: 'Ana' } }, 'events[0].changes.nickname'],
    ['a profile change to an unknown time zone', { type: 'profile', changes: { timezone: 'Mars/Base' } }, 'events[0].changes.timezone'],
    ['an instant without an offset', { type: 'event', name: 'signed_up', at: '2026-03-03T10:00:00' }, 'events[0].at'],
    ['an impossible date, once (not again as out of range)', { type: 'event', name: 'signed_up', at: '2026-02-29T10:00:00Z' }, 'events[0].at'],
    ['a profile change to a UTC offset', { type: 'profile', changes: { timezone: '+05:00' } }, 'events[0].changes.timezone'],
    [
      'a profile change to an address with an unknown field',
      { type: 'profile', changes: { address: { line1: '2 Elm St', city: 'Springfield', postalCode: '01101', country: 'US', zip: '01101' } } },
      'events[0].changes.address.zip',
    ],
  ])('rejects %s at its path', (_, fields, path) => {
    // Prepare
    const json = { ...contractScenarioJson(), events: [{ at: '2026-03-03T10:00:00Z', customerId: 'c-001', ...fields }] };

    // Act
    const issues = issuesOf(json);

    // Assess
    expect(issues.map((issue) => issue.path)).toEqual([path]);
  });

  it.each([
    ['a time zone inside the preferred window', { preferences: { preferredWindow: { start: '17:00', end: '20:00', timezone: 'Europe/Paris' } } }, 'preferences.preferredWindow.timezone'],
    ['days inside the quiet hours', { preferences: { quietHours: { start: '21:00', end: '08:00', days: ['sat', 'sun'] } } }, 'preferences.quietHours.days'],
    ['a mistyped address line', { address: { line1: '1 Main St', Line2: 'Apt 4', city: 'Springfield', postalCode: '01101', country: 'US' } }, 'address.Line2'],
  ])('refuses %s as an unknown field, rather than running without it', (_, fields, path) => {
    // Prepare
    const json = contractScenarioJson();
    json.customers[0] = { ...json.customers[0], ...fields };

    // Act
    const issues = issuesOf(json);

    // Assess
    expect(issues).toEqual([{ path: `customers[0].${path}`, message: 'unknown field' }]);
  });

  it.each(['+05:00', '-0330'])('refuses the UTC offset %s as a time zone, naming an IANA name to use', (zone) => {
    // Prepare: Intl takes an offset, but an offset keeps no daylight saving time
    const json = contractScenarioJson();
    json.customers[0] = { ...json.customers[0], timezone: zone };

    // Act
    const issues = issuesOf(json);

    // Assess
    expect(issues).toEqual([{ path: 'customers[0].timezone', message: `"${zone}" is a UTC offset, not a time zone; use an IANA name such as "Asia/Kolkata"` }]);
  });

  it('accepts a number in E.164 form whatever its country\'s numbering plan says: for the contract a number is a number', () => {
    // Prepare: area code 999 exists nowhere, but rule 3 asks only that SMS have a phone number
    const json = contractScenarioJson();
    json.customers = [{ ...json.customers[0], phone: '+19999999999' }];

    // Act
    const scenario = parseScenario(json, options);

    // Assess
    expect(scenario.customers[0]?.phone).toBe('+19999999999');
  });

  it.each([
    ['a consent status of pending', { consents: [{ channel: 'email', topic: 'marketing', status: 'pending', at: '2026-03-01T12:00:00Z', source: 'web' }] }, 'customers[0].consents[0].status'],
    ['a missing consents list', { consents: undefined }, 'customers[0].consents'],
    ['a phone number that is not E.164', { phone: '212-555-0143' }, 'customers[0].phone'],
    ['an email address that is not one', { email: 'ana at example' }, 'customers[0].email'],
    ['a country that is not ISO alpha-2', { address: { line1: '1 Main St', city: 'Springfield', postalCode: '01101', country: 'USA' } }, 'customers[0].address.country'],
    ['quiet hours that start and end together', { preferences: { quietHours: { start: '21:00', end: '21:00' } } }, 'customers[0].preferences.quietHours.end'],
    ['a preferred window at 24:00', { preferences: { preferredWindow: { start: '17:00', end: '24:00' } } }, 'customers[0].preferences.preferredWindow.end'],
    ['a repeated preferred channel', { preferences: { channels: ['email', 'email'] } }, 'customers[0].preferences.channels'],
    ['a negative weekly cap', { preferences: { maxPerWeek: -1 } }, 'customers[0].preferences.maxPerWeek'],
    ['a suppression without a reason', { suppressions: [{ channel: 'sms', at: '2026-02-01T00:00:00Z' }] }, 'customers[0].suppressions[0].reason'],
    ['an unknown lifecycle stage', { stage: 'vip' }, 'customers[0].stage'],
    ['an attribute holding an object', { attributes: { tier: { name: 'gold' } } }, 'customers[0].attributes.tier'],
  ])('rejects %s at its path', (_, fields, path) => {
    // Prepare
    const json = contractScenarioJson();
    json.customers = [{ ...json.customers[0], ...fields }];
    json.events = [];

    // Act
    const issues = issuesOf(json);

    // Assess
    expect(issues.map((issue) => issue.path)).toEqual([path]);
  });

  it('rejects a missing start, a fractional seed and an empty journey list at their paths', () => {
    // Prepare
    const { start: _start, ...json }: Record<string, unknown> = { ...contractScenarioJson(), seed: 1.5, journeys: [] };

    // Act
    const issues = issuesOf(json);

    // Assess
    expect(issues.map((issue) => issue.path)).toEqual(['start', 'seed', 'journeys']);
  });

  it('reports a file that is not an object at the root', () => {
    // Act
    const issues = issuesOf([1, 2, 3]);

    // Assess
    expect(issues).toEqual([{ path: '(root)', message: expect.stringContaining('expected object') }]);
  });

  it('accepts profile changes that remove a contact point or replace preferences', () => {
    // Prepare
    const json = contractScenarioJson();
    json.events = [
      { at: '2026-03-03T10:00:00Z', customerId: 'c-002', type: 'profile', changes: { email: null, preferences: { channels: ['sms'] }, timezone: 'Asia/Kolkata' } },
    ];

    // Act
    const scenario = parseScenario(json, options);

    // Assess
    expect(scenario.events[0]).toMatchObject({ type: 'profile', changes: { email: null, timezone: 'Asia/Kolkata' } });
  });
});

describe('parseScenario and the store on attribute names', () => {
  it('rejects, at its path, an attribute name the store would refuse, in a customer and in a profile event', () => {
    // Prepare
    const name = 'a'.repeat(129);
    const json = contractScenarioJson();
    json.customers[0] = { ...json.customers[0], attributes: { [name]: 'x' } };
    json.events = [{ at: '2026-03-03T10:00:00Z', customerId: 'c-001', type: 'profile', changes: { attributes: { [name]: 1 } } }];

    // Act
    const issues = issuesOf(json);

    // Assess
    expect(issues).toEqual([
      { path: `customers[0].attributes.${name}`, message: 'invalid name: Too big: expected string to have <=128 characters' },
      { path: `events[0].changes.attributes.${name}`, message: 'invalid name: Too big: expected string to have <=128 characters' },
    ]);
  });

  it('accepts only attribute names the store takes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 4 }), fc.string({ minLength: 120, maxLength: 136 })), (name) => {
        // Prepare
        const json = contractScenarioJson();
        json.customers[0] = { ...json.customers[0], attributes: { [name]: 'x' } };

        // Act
        const accepted = (() => {
          try {
            parseScenario(json, options);
            return true;
          } catch (error) {
            if (error instanceof ScenarioError) return false;
            throw error;
          }
        })();

        // Assess
        expect(accepted).toBe(AttributeChangesSchema.safeParse({ [name]: 'x' }).success);
      }),
    );
  });
});

describe('parseScenarioText', () => {
  it('reports JSON that does not parse as a problem of the root', () => {
    // Act
    const attempt = () => parseScenarioText('{ "start": ', options);

    // Assess
    expect(attempt).toThrow(ScenarioError);
    expect(attempt).toThrow(/^\(root\): not valid JSON: /);
  });

  it('parses the text of a valid scenario', () => {
    // Act
    const scenario = parseScenarioText(JSON.stringify(sharedScenarioJson()), options);

    // Assess
    expect(scenario.seed).toBe(1);
  });
});

describe('formatPath', () => {
  it.each([
    [['customers', 3, 'timezone'], 'customers[3].timezone'],
    [['events', 0, 'changes', 'attributes', 'lastEvent.order_placed'], 'events[0].changes.attributes["lastEvent.order_placed"]'],
    [[], '(root)'],
    [[2, 'id'], '[2].id'],
  ])('writes %j as %s', (path, text) => {
    // Act & Assess
    expect(formatPath(path)).toBe(text);
  });
});
