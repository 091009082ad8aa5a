import { deferredLapseRecordKey } from '../../lib/ingest/deferred-lapses';
import { findDeferredLapses } from '../../lib/ingest/inactivity-scan';
import { launchBatch, LaunchRefusedError, UnknownJourneyError, type LaunchBatch } from '../../lib/ingest/launch-batch';
import { lastEventAttribute } from '../../lib/journeys/event-history';
import type { Profile } from '../../lib/customer/model';
import { routesOf, type JourneyRoute } from '../../lib/ingest/journey-routes';
import { CustomerStore } from '../../lib/store/customer-store';
import { CATALOG } from '../../workflows';
import { aProfile, partitionItems, partitionSortKeys } from '../store/fixtures';
import { countRequests, createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { startLocalStepFunctions, type LocalStepFunctionsHarness } from '../support/step-functions';

const arnOf = (journey: string) => `arn:aws:states:us-east-1:111122223333:stateMachine:${journey}`;
const routes = routesOf(CATALOG, arnOf);

let dynamo: DynaliteHarness;
let sfn: LocalStepFunctionsHarness;
let tableName: string;
/** The emulator's clock: the process clock unless a test moves it (names are freed 90 days after an execution closed). */
let sfnNow: Date | undefined;

beforeAll(async () => {
  dynamo = await startDynalite();
  // Every journey's execution closes at once: a repeated start of its name is ExecutionAlreadyExists.
  const machines = Object.fromEntries([...routes.map((route) => route.journey), 'digest'].map((journey) => [arnOf(journey), { kind: 'ends' as const }]));
  sfn = await startLocalStepFunctions({ machines, now: () => sfnNow ?? new Date() });
});
afterAll(async () => {
  await sfn.stop();
  await dynamo.stop();
});
beforeEach(async () => {
  sfnNow = undefined;
  await sfn.reset();
  tableName = await createCustomerTable(dynamo.client, 'launch');
  for (const customerId of ['c-001', 'c-002']) await givenProfile(customerId);
});

/**
 * A prospect with a gold tier, whom the launched catalog journeys' own triggers admit (loyalty's
 * `when` a loyalty tier, welcome's a prospect who has not ordered), unless `overrides` say otherwise.
 */
async function givenProfile(customerId: string, overrides: Partial<Profile> = {}, attributes: Record<string, string> = { tier: 'gold' }): Promise<void> {
  const store = new CustomerStore({ client: dynamo.client, tableName });
  await store.putProfile(aProfile(customerId, overrides));
  await store.setAttributes(customerId, attributes, { at: '2026-03-01T12:00:00Z' });
}

function batch(journey: string, items: Record<string, unknown>[], launchId = 'spring-2026'): LaunchBatch {
  return { BatchInput: { journey, launchId, launchedAt: '2026-03-02T09:00:00Z' }, Items: items };
}

const ports = () => ({ dynamodb: dynamo.client, sfn: sfn.client, tableName, routes });

/** The names of the executions the emulator ran, oldest first. */
async function startedNames(): Promise<string[]> {
  return (await sfn.executions()).map((execution) => execution.name);
}

/**
 * `<name>@<startDate>` of every execution, oldest first: a name freed and started again shows its
 * new start date (and moves last).
 */
async function startedWhen(): Promise<string[]> {
  return (await sfn.executions()).map((execution) => `${execution.name}@${execution.startDate}`);
}

/** Runs a launch batch with the emulator's clock at the launch's instant, as Step Functions sees it. */
async function launchAt(ports: Parameters<typeof launchBatch>[0], launch: LaunchBatch) {
  sfnNow = new Date(launch.BatchInput.launchedAt);
  return launchBatch(ports, launch);
}

describe('launchBatch', () => {
  it('starts the journey for every row, entered under the launch id at the launch time, with ids and that instant only', async () => {
    // Act
    const result = await launchBatch(ports(), batch('loyalty', [{ customerId: 'c-001' }, { customerId: 'c-002' }]));

    // Assess
    expect(result).toEqual({ started: 2, alreadyStarted: 0, notEligible: 0, conditionNotMet: 0, unknownCustomers: [], invalidRows: [] });
    expect((await sfn.executions()).map(({ stateMachineArn, name, input }) => ({ stateMachineArn, name, input }))).toEqual([
      { stateMachineArn: arnOf('loyalty'), name: 'loyalty-c-001-spring-2026', input: '{"customerId":"c-001","journey":"loyalty","entryKey":"spring-2026","enteredAt":"2026-03-02T09:00:00.000Z","launched":true}' },
      { stateMachineArn: arnOf('loyalty'), name: 'loyalty-c-002-spring-2026', input: '{"customerId":"c-002","journey":"loyalty","entryKey":"spring-2026","enteredAt":"2026-03-02T09:00:00.000Z","launched":true}' },
    ]);
  });

  it("enters a customer under its row's entry key, and under the launch id where the row leaves it empty", async () => {
    // Act
    const result = await launchBatch(ports(), batch('loyalty', [{ customerId: 'c-001', entryKey: 'vip-preview' }, { customerId: 'c-002', entryKey: '' }]));

    // Assess
    expect(result).toEqual({ started: 2, alreadyStarted: 0, notEligible: 0, conditionNotMet: 0, unknownCustomers: [], invalidRows: [] });
    expect((await sfn.executions()).map(({ stateMachineArn, name, input }) => ({ stateMachineArn, name, input }))).toEqual([
      { stateMachineArn: arnOf('loyalty'), name: 'loyalty-c-001-vip-preview', input: '{"customerId":"c-001","journey":"loyalty","entryKey":"vip-preview","enteredAt":"2026-03-02T09:00:00.000Z","launched":true}' },
      { stateMachineArn: arnOf('loyalty'), name: 'loyalty-c-002-spring-2026', input: '{"customerId":"c-002","journey":"loyalty","entryKey":"spring-2026","enteredAt":"2026-03-02T09:00:00.000Z","launched":true}' },
    ]);
  });

  it("applies the journey's re-entry rule to a row's entry key: another key is another entry", async () => {
    // Prepare
    await launchBatch(ports(), batch('welcome', [{ customerId: 'c-001', entryKey: 'first' }]));

    // Act
    const again = await launchBatch(ports(), batch('welcome', [{ customerId: 'c-001', entryKey: 'first' }], 'another-launch'));
    const other = await launchBatch(ports(), batch('welcome', [{ customerId: 'c-001', entryKey: 'second' }], 'another-launch'));

    // Assess
    expect(again).toMatchObject({ started: 0, alreadyStarted: 1 });
    expect(other).toMatchObject({ started: 0, notEligible: 1 });
    expect(await startedNames()).toEqual(['welcome-c-001-first']);
  });

  describe('an entry key a customer entered under, named again once Step Functions freed its execution name (90 days after it closed)', () => {
    /** A journey every launch enters its audience into. */
    const digest: JourneyRoute = { journey: 'digest', stateMachineArn: arnOf('digest'), trigger: { kind: 'audience' }, reEntry: { rule: 'always' } };
    const keyed = (journey: string, launchId: string, launchedAt: string, entryKey: string): LaunchBatch => ({
      BatchInput: { journey, launchId, launchedAt },
      Items: [{ customerId: 'c-001', entryKey }],
    });

    it.each([
      ['welcome', 'never'],
      ['loyalty', 'afterDays'],
      ['digest', 'always'],
    ])('starts nothing for it in %s (re-entry %s): the customer entered under that key once', async (journey) => {
      // Prepare: a launch enters c-001 under `vip`; its execution closes at once, and by the next
      // launch, a year on on the emulator's clock, Step Functions has freed the name.
      const withDigest = { ...ports(), routes: [...routes, digest] };
      await launchAt(withDigest, keyed(journey, 'spring-2026', '2026-03-02T09:00:00Z', 'vip'));

      // Act: a launch a year and a day later (past loyalty's 365 days) names the same key, as a scheduled file's row does at every run.
      const later = await launchAt(withDigest, keyed(journey, 'spring-2027', '2027-03-03T09:00:00Z', 'vip'));

      // Assess
      expect(later).toMatchObject({ started: 0, alreadyStarted: 1 });
      expect(await startedWhen()).toEqual([`${journey}-c-001-vip@2026-03-02T09:00:00.000Z`]);
    });

    it('starts nothing for an earlier key of a journey re-entered since under another', async () => {
      // Prepare: loyalty (again after 365 days) entered under `gold-2026`, then a year on under `gold-2027`.
      await launchAt(ports(), keyed('loyalty', 'tier-2026', '2026-03-02T09:00:00Z', 'gold-2026'));
      await launchAt(ports(), keyed('loyalty', 'tier-2027', '2027-03-03T09:00:00Z', 'gold-2027'));

      // Act: a launch another year on names the first key again (its name long freed).
      const later = await launchAt(ports(), keyed('loyalty', 'tier-2028', '2028-03-04T09:00:00Z', 'gold-2026'));

      // Assess
      expect(later).toMatchObject({ started: 0, alreadyStarted: 1 });
      expect(await startedWhen()).toEqual(['loyalty-c-001-gold-2026@2026-03-02T09:00:00.000Z', 'loyalty-c-001-gold-2027@2027-03-03T09:00:00.000Z']);
    });

    it('lets the customer in under another key once the days have passed since the entry, though an earlier key was named again meanwhile', async () => {
      // Prepare: loyalty (again after 365 days) entered under `gold-2026`, a year on under
      // `gold-2027`; past 365 days after that, a launch names `gold-2026` again, which enters nothing.
      await launchAt(ports(), keyed('loyalty', 'tier-2026', '2026-03-02T09:00:00Z', 'gold-2026'));
      await launchAt(ports(), keyed('loyalty', 'tier-2027', '2027-03-03T09:00:00Z', 'gold-2027'));
      const repeat = await launchAt(ports(), keyed('loyalty', 'tier-2028', '2028-03-04T09:00:00Z', 'gold-2026'));

      // Act: two days later, 369 days after the last entry (2028 is a leap year).
      const later = await launchAt(ports(), keyed('loyalty', 'tier-2028-b', '2028-03-06T09:00:00Z', 'gold-2028'));

      // Assess
      expect(repeat).toMatchObject({ started: 0, alreadyStarted: 1 });
      expect(later).toMatchObject({ started: 1, notEligible: 0 });
      expect(await startedWhen()).toEqual([
        'loyalty-c-001-gold-2026@2026-03-02T09:00:00.000Z',
        'loyalty-c-001-gold-2027@2027-03-03T09:00:00.000Z',
        'loyalty-c-001-gold-2028@2028-03-06T09:00:00.000Z',
      ]);
    });

    it('lets the customer in under another key once the days have passed since the entry, however often its key was named meanwhile', async () => {
      // Prepare: loyalty (again after 365 days) entered under `gold-2026`; a scheduled file names that key again in the autumn.
      await launchAt(ports(), keyed('loyalty', 'tier-2026', '2026-03-02T09:00:00Z', 'gold-2026'));
      const repeat = await launchAt(ports(), keyed('loyalty', 'autumn-2026', '2026-09-01T09:00:00Z', 'gold-2026'));

      // Act: a year and a day after the entry.
      const later = await launchAt(ports(), keyed('loyalty', 'tier-2027', '2027-03-03T09:00:00Z', 'gold-2027'));

      // Assess
      expect(repeat).toMatchObject({ started: 0, alreadyStarted: 1 });
      expect(later).toMatchObject({ started: 1, notEligible: 0 });
      expect(await startedWhen()).toEqual(['loyalty-c-001-gold-2026@2026-03-02T09:00:00.000Z', 'loyalty-c-001-gold-2027@2027-03-03T09:00:00.000Z']);
    });
  });

  it('counts a row whose entry key cannot be one as invalid, by index, and starts nothing for it', async () => {
    // Act
    const result = await launchBatch(ports(), batch('loyalty', [{ customerId: 'c-001', entryKey: 'spring 2026' }, { customerId: 'c-002', entryKey: 'spring-2026' }]));

    // Assess
    expect(result).toEqual({ started: 1, alreadyStarted: 0, notEligible: 0, conditionNotMet: 0, unknownCustomers: [], invalidRows: [0] });
    expect(await startedNames()).toEqual(['loyalty-c-002-spring-2026']);
  });

  it('starts nothing twice when the same launch runs again (a redriven batch or a relaunch)', async () => {
    // Prepare
    await launchBatch(ports(), batch('loyalty', [{ customerId: 'c-001' }]));

    // Act
    const again = await launchBatch(ports(), batch('loyalty', [{ customerId: 'c-001' }]));

    // Assess
    expect(again).toEqual({ started: 0, alreadyStarted: 1, notEligible: 0, conditionNotMet: 0, unknownCustomers: [], invalidRows: [] });
    expect(await sfn.executions()).toHaveLength(1);
  });

  it('applies the journey\'s re-entry rule across launches', async () => {
    // Prepare
    await launchBatch(ports(), batch('win-back', [{ customerId: 'c-001' }], 'inactive-win-back-20251201'));

    // Act
    const secondLapse = await launchBatch(ports(), batch('win-back', [{ customerId: 'c-001' }], 'inactive-win-back-20251202'));

    // Assess
    expect(await startedNames()).toEqual(['win-back-c-001-inactive-win-back-20251201']);
    expect(secondLapse.notEligible).toBe(1);
  });

  it('counts rows without a valid customer id by index and starts the rest', async () => {
    // Act
    const result = await launchBatch(ports(), batch('loyalty', [{ customerId: 'not valid!' }, { customerId: 'c-001' }, {}]));

    // Assess
    expect(result).toEqual({ started: 1, alreadyStarted: 0, notEligible: 0, conditionNotMet: 0, unknownCustomers: [], invalidRows: [0, 2] });
  });

  it('skips customers without a profile, naming them, and claims and starts nothing for them', async () => {
    // Act
    const result = await launchBatch(ports(), batch('welcome', [{ customerId: 'c-404' }, { customerId: 'c-001' }, { customerId: 'c-405' }]));

    // Assess
    expect(result).toEqual({ started: 1, alreadyStarted: 0, notEligible: 0, conditionNotMet: 0, unknownCustomers: ['c-404', 'c-405'], invalidRows: [] });
    expect(await startedNames()).toEqual(['welcome-c-001-spring-2026']);
    expect(await partitionSortKeys(dynamo.client, tableName, 'c-404')).toEqual([]);
  });

  it('reads whether the batch\'s customers have a profile in one request, then claims each entry', async () => {
    // Prepare
    const counter = countRequests(dynamo.client);

    // Act
    await launchBatch(ports(), batch('welcome', [{ customerId: 'c-001' }, { customerId: 'c-404' }, { customerId: 'c-002' }]));

    // Assess
    counter.detach();
    // Per customer, the re-entry rule's record, then the entry key's.
    expect(counter.commands).toEqual(['BatchGetItemCommand', 'PutItemCommand', 'PutItemCommand', 'PutItemCommand', 'PutItemCommand']);
  });

  it('lets a customer skipped for want of a profile enter a journey that never re-enters once it has one', async () => {
    // Prepare
    await launchBatch(ports(), batch('welcome', [{ customerId: 'c-404' }], 'spring-2026'));
    await givenProfile('c-404');

    // Act
    const later = await launchBatch(ports(), batch('welcome', [{ customerId: 'c-404' }], 'spring-2026-again'));

    // Assess
    expect(later).toMatchObject({ started: 1, unknownCustomers: [] });
    expect(await startedNames()).toEqual(['welcome-c-404-spring-2026-again']);
  });

  it('fails the batch when the journey is not deployed, naming it', async () => {
    await expect(launchBatch(ports(), batch('no-such-journey', [{ customerId: 'c-001' }]))).rejects.toThrow(
      new UnknownJourneyError('no-such-journey'),
    );
  });
});

describe('launchBatch of a journey whose own trigger chooses its customers', () => {
  it('refuses a journey with a transactional send step before it reads or starts anything: only the customer\'s own event may start it', async () => {
    // Prepare: prospect-nurture's first ask is transactional (no marketing consent needed), a reply to the lead's own request.
    const counter = countRequests(dynamo.client);

    // Act
    const launched = launchBatch(ports(), batch('prospect-nurture', [{ customerId: 'c-001' }]));

    // Assess
    await expect(launched).rejects.toThrow(LaunchRefusedError);
    await expect(launched).rejects.toThrow(/journey "prospect-nurture" sends a transactional message.*only the customer's own event may start it.*nothing was launched/);
    counter.detach();
    expect(counter.commands).toEqual([]);
    expect(await sfn.executions()).toEqual([]);
  });

  it("enters only the customers loyalty's `when` admits at the launch instant, counting the silver tier conditionNotMet, whose year is not used up", async () => {
    // Prepare: c-001 is gold (givenProfile); c-003 is silver.
    await givenProfile('c-003', {}, { tier: 'silver' });

    // Act
    const result = await launchBatch(ports(), batch('loyalty', [{ customerId: 'c-001' }, { customerId: 'c-003' }]));
    await new CustomerStore({ client: dynamo.client, tableName }).setAttributes('c-003', { tier: 'gold' }, { at: '2026-03-05T12:00:00Z' });
    const gold = await launchBatch(ports(), { BatchInput: { journey: 'loyalty', launchId: 'gold-week', launchedAt: '2026-03-06T09:00:00Z' }, Items: [{ customerId: 'c-003' }] });

    // Assess
    expect(result).toEqual({ started: 1, alreadyStarted: 0, notEligible: 0, conditionNotMet: 1, unknownCustomers: [], invalidRows: [] });
    expect(gold).toMatchObject({ started: 1, notEligible: 0, conditionNotMet: 0 });
    expect(await startedNames()).toEqual(['loyalty-c-001-spring-2026', 'loyalty-c-003-gold-week']);
  });

  it("does not enter into welcome an active customer who ordered (its `when`: a prospect who has not ordered), reading each customer's state in one request", async () => {
    // Prepare
    await givenProfile('c-003', { stage: 'active' }, { [lastEventAttribute('order_placed')]: '2026-02-20T10:00:00Z' });
    const counter = countRequests(dynamo.client);

    // Act
    const result = await launchBatch(ports(), batch('welcome', [{ customerId: 'c-003' }, { customerId: 'c-001' }]));

    // Assess
    counter.detach();
    expect(result).toEqual({ started: 1, alreadyStarted: 0, notEligible: 0, conditionNotMet: 1, unknownCustomers: [], invalidRows: [] });
    expect(await startedNames()).toEqual(['welcome-c-001-spring-2026']);
    expect(counter.commands.filter((command) => command !== 'PutItemCommand')).toEqual(['BatchGetItemCommand']);
  });

  it('skips a win-back customer who ordered again since the scan found them inactive, counted conditionNotMet, and enters the one still inactive', async () => {
    // Prepare: the scan at 03:00 found both inactive (last order in November); c-002 orders at 03:05, before the batch runs.
    const store = new CustomerStore({ client: dynamo.client, tableName });
    await store.setAttributes('c-001', { [lastEventAttribute('order_placed')]: '2025-11-30T12:00:00Z' }, { at: '2025-11-30T12:00:00Z' });
    await store.setAttributes('c-002', { [lastEventAttribute('order_placed')]: '2026-03-02T03:05:00Z' }, { at: '2026-03-02T03:05:00Z' });
    const launch = { BatchInput: { journey: 'win-back', launchId: 'inactive-win-back-20251130', launchedAt: '2026-03-02T03:00:00Z' }, Items: [{ customerId: 'c-001' }, { customerId: 'c-002' }] };

    // Act
    const result = await launchBatch(ports(), launch);

    // Assess
    expect(result).toEqual({ started: 1, alreadyStarted: 0, notEligible: 0, conditionNotMet: 1, unknownCustomers: [], invalidRows: [] });
    expect(await startedNames()).toEqual(['win-back-c-001-inactive-win-back-20251130']);
  });

  describe('a win-back customer the re-entry rule (again after 180 days) keeps out', () => {
    /** Orders of `customerId` at `at`, as ingest stores them. */
    const ordered = (customerId: string, at: string) => new CustomerStore({ client: dynamo.client, tableName }).setAttributes(customerId, { [lastEventAttribute('order_placed')]: at }, { at });
    const winBack = (launchId: string, launchedAt: string): LaunchBatch => ({ BatchInput: { journey: 'win-back', launchId, launchedAt }, Items: [{ customerId: 'c-001' }, { customerId: 'c-002' }] });
    /** The launch's clock and Step Functions' read the launch instant. */
    const clocked = () => ({ ...ports(), now: () => sfnNow ?? new Date() });

    it('is left, when they lapsed again since their entry, for the scan of the day the 180 days are over, and not when this lapse is the one they entered for', async () => {
      // Prepare: both lapsed in January and entered on 1 June; c-001 orders on 1 July and lapses again.
      await ordered('c-001', '2025-01-01T10:00:00Z');
      await ordered('c-002', '2025-01-01T10:00:00Z');
      const entered = await launchAt(clocked(), winBack('inactive-win-back-20250101', '2025-06-01T03:00:00Z'));
      await ordered('c-001', '2025-07-01T10:00:00Z');

      // Act: both in a launch on 1 October, 122 days after their entry (c-002 by a marketer's launch, say).
      const refused = await launchAt(clocked(), winBack('inactive-win-back-20250701', '2025-10-01T03:00:00Z'));

      // Assess
      expect(entered).toMatchObject({ started: 2 });
      expect(refused).toMatchObject({ started: 0, notEligible: 2 });
      const deferred = (await partitionItems(dynamo.client, tableName, 'c-001')).find((item) => item.sk?.S === deferredLapseRecordKey('win-back'));
      expect(deferred?.lapseAt?.S).toBe('2025-11-28T03:00:00.000Z');
      expect(await partitionSortKeys(dynamo.client, tableName, 'c-002')).not.toContain(deferredLapseRecordKey('win-back'));
      // The scan finds it once the 28th of November is over, not before.
      expect(await findDeferredLapses({ dynamodb: dynamo.client, tableName }, 'win-back', new Date('2025-11-28T23:59:59.999Z'))).toEqual([]);
      expect(await findDeferredLapses({ dynamodb: dynamo.client, tableName }, 'win-back', new Date('2025-11-29T03:00:00Z'))).toEqual([{ customerId: 'c-001', lastEventDay: '20251128' }]);
    });

    it('is entered by the launch of that day if still lapsed, and a customer who ordered since is not, nor entered twice by the launches after it', async () => {
      // Prepare: as above, c-002 too lapses again after its entry, but orders once more on 1 November.
      await ordered('c-001', '2025-01-01T10:00:00Z');
      await ordered('c-002', '2025-01-01T10:00:00Z');
      await launchAt(clocked(), winBack('inactive-win-back-20250101', '2025-06-01T03:00:00Z'));
      await ordered('c-001', '2025-07-01T10:00:00Z');
      await ordered('c-002', '2025-07-01T10:00:00Z');
      await launchAt(clocked(), winBack('inactive-win-back-20250701', '2025-10-01T03:00:00Z'));
      await ordered('c-002', '2025-11-01T10:00:00Z');

      // Act: the re-entry launch of the 28th, then the lapse launch of c-002's November order.
      const reEntry = await launchAt(clocked(), winBack('inactive-win-back-20251128-reentry', '2025-11-29T03:00:00Z'));
      const later = await launchAt(clocked(), winBack('inactive-win-back-20251101', '2026-02-01T03:00:00Z'));

      // Assess
      expect(reEntry).toMatchObject({ started: 1, conditionNotMet: 1 });
      expect(later).toMatchObject({ started: 1, notEligible: 1 });
      expect(await startedWhen()).toEqual([
        'win-back-c-001-inactive-win-back-20250101@2025-06-01T03:00:00.000Z',
        'win-back-c-002-inactive-win-back-20250101@2025-06-01T03:00:00.000Z',
        'win-back-c-001-inactive-win-back-20251128-reentry@2025-11-29T03:00:00.000Z',
        'win-back-c-002-inactive-win-back-20251101@2026-02-01T03:00:00.000Z',
      ]);
    });
  });
});
