import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { parseCustomerEvent, type CustomerEvent } from '../../lib/ingest/customer-event';
import { ENTRY_PREFIX } from '../../lib/ingest/entry-records';
import { distinctExecutionName } from '../../lib/ingest/execution-name';
import { ingestCustomerEvent, NUMBER_BEFORE_PROFILE_PHONE, type IngestPorts } from '../../lib/ingest/ingest-event';
import { decideDelivery } from '../../lib/permission';
import { journeyEffectsPorts } from '../../lib/ingest/journey-records';
import { routesOf } from '../../lib/ingest/journey-routes';
import { storeTaskToken } from '../../lib/ingest/task-tokens';
import { CustomerStore, type EventState } from '../../lib/store/customer-store';
import { itemKeys } from '../../lib/store/item-keys';
import { PARTITION_KEY, SORT_KEY } from '../../lib/store/table-design';
import { customersHoldingPhone } from '../../lib/store/phone-index';
import { ValidPhoneSchema } from '../../lib/customer/valid-phone';
import { CATALOG } from '../../workflows';
import { changedWithin } from '../../workflows/builder';
import { countRequests, createCustomerTable, localDynamoDBClient, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { VirtualClock, realTurn } from '../../lib/local/virtual-clock';
import { startLocalStepFunctions, type LocalStepFunctionsHarness } from '../support/step-functions';

const arnOf = (journey: string) => `arn:aws:states:us-east-1:111122223333:stateMachine:${journey}`;
const routes = routesOf(CATALOG, arnOf);
/** A wait for an event that times out after 60 seconds. */
const shortWaitArn = arnOf('short-wait');

let dynamo: DynaliteHarness;
let sfn: LocalStepFunctionsHarness;
let tableName: string;
let store: CustomerStore;
let ports: IngestPorts;
let sequence = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
  // Journeys wait for days: a repeated start finds its execution running.
  const journeys = Object.fromEntries([...routes.map((route) => route.journey), 'new-interest'].map((journey) => [arnOf(journey), { kind: 'waits' as const }]));
  sfn = await startLocalStepFunctions({ machines: { ...journeys, [shortWaitArn]: { kind: 'waits', timeoutSeconds: 60 } } });
});
afterAll(async () => {
  await sfn.stop();
  await dynamo.stop();
});

beforeEach(async () => {
  await sfn.reset();
  tableName = await createCustomerTable(dynamo.client, 'ingest');
  store = new CustomerStore({ client: dynamo.client, tableName });
  ports = { store, dynamodb: dynamo.client, sfn: sfn.client, tableName, routes };
});

/**
 * Starts execution `name` of the 60-second wait holding `taskToken` at `startedAt` on a virtual
 * clock, and moves the clock past its timeout: the Task's TimeoutSeconds ends the wait, as in AWS.
 */
async function waitTimedOut(name: string, taskToken: string, startedAt: Date): Promise<void> {
  const clock = VirtualClock.install({ start: startedAt });
  try {
    await sfn.startWaiting(shortWaitArn, name, taskToken);
    clock.advanceTo(startedAt.getTime() + 61_000);
    while (sfn.stepFunctions.runningCount > 0) await realTurn();
  } finally {
    clock.uninstall();
  }
  expect(sfn.stepFunctions.describeExecution(name)).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
}

/** The names of the executions the emulator ran, oldest first. */
async function startedNames(): Promise<string[]> {
  return (await sfn.executions()).map((execution) => execution.name);
}

/** A valid bus event, parsed as the ingest function parses it. */
function event(detailType: string, detail: Record<string, unknown>, time = '2026-03-02T10:00:00Z'): CustomerEvent {
  sequence += 1;
  // Parsed as an ingest whose clock reads the event's time, since the test dates events freely.
  const parsed = parseCustomerEvent({ id: `eb-${sequence}`, 'detail-type': detailType, source: 'test', time, detail }, { now: new Date(time) });
  if (!parsed.valid) throw new Error(parsed.reason);
  return parsed.event;
}

const newYorker = { timezone: 'America/New_York', email: 'ana@example.com', phone: '+12125550143' };

/** The sort keys of the customer's entry records (see entry-records.ts). */
async function entryRecordsOf(customerId: string): Promise<string[]> {
  const { Items = [] } = await dynamo.client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
      ExpressionAttributeValues: { ':pk': { S: itemKeys.partition(customerId) }, ':prefix': { S: ENTRY_PREFIX } },
      ConsistentRead: true,
    }),
  );
  return Items.map((item) => item[SORT_KEY]?.S ?? '');
}

describe('ingestCustomerEvent', () => {
  it('creates the profile of a sign-up and starts welcome under a name of journey, customer and event id, with ids and the event\'s time only', async () => {
    // Act
    const outcome = await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', eventId: 'signup-1', profile: newYorker }));

    // Assess
    expect(outcome.profile).toBe('created');
    expect(outcome.journeys).toEqual([{ journey: 'welcome', execution: 'welcome-c-001-signup-1', outcome: 'started' }]);
    expect((await sfn.executions()).map(({ stateMachineArn, name, input }) => ({ stateMachineArn, name, input }))).toEqual([
      {
        stateMachineArn: arnOf('welcome'),
        name: 'welcome-c-001-signup-1',
        input: JSON.stringify({ customerId: 'c-001', journey: 'welcome', entryKey: 'signup-1', enteredAt: '2026-03-02T10:00:00.000Z' }),
      },
    ]);
    const snapshot = await store.requireSnapshot('c-001');
    expect(snapshot.profile).toMatchObject({ stage: 'prospect', timezone: 'America/New_York', updatedAt: '2026-03-02T10:00:00.000Z' });
  });

  it('keeps the time of the latest event as lastEvent.<name>, where goals and the inactivity scan read it', async () => {
    // Prepare
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', profile: newYorker }));

    // Act
    await ingestCustomerEvent(ports, event('order_placed', { customerId: 'c-001', touchpoint: 'store', attributes: { tier: 'gold' } }, '2026-03-05T12:00:00Z'));

    // Assess
    const { attributes } = await store.requireSnapshot('c-001');
    expect(attributes['lastEvent.order_placed']).toMatchObject({ value: '2026-03-05T12:00:00.000Z', changedAt: '2026-03-05T12:00:00.000Z', touchpoint: 'store' });
    expect(attributes.tier).toMatchObject({ value: 'gold', touchpoint: 'store' });
  });

  it('reports the same event arriving again as already started, though Step Functions answers with the running execution', async () => {
    // Prepare
    const signup = event('signed_up', { customerId: 'c-001', eventId: 'signup-1', profile: newYorker });
    await ingestCustomerEvent(ports, signup);

    // Act
    const repeated = await ingestCustomerEvent(ports, signup);

    // Assess
    expect(repeated.journeys).toEqual([{ journey: 'welcome', execution: 'welcome-c-001-signup-1', outcome: 'already_started' }]);
    expect(await sfn.executions()).toHaveLength(1);
  });

  it('starts both customers whose ids and event ids make one execution name, and the second under a name of its own', async () => {
    // Prepare: "welcome-" + "shop-42" + "-" + "signup-7" and "welcome-" + "shop" + "-" + "42-signup-7".
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'shop-42', eventId: 'signup-7', profile: newYorker }));

    // Act
    const second = await ingestCustomerEvent(ports, event('signed_up', { customerId: 'shop', eventId: '42-signup-7', profile: newYorker }));

    // Assess
    const distinct = distinctExecutionName('welcome', 'shop', '42-signup-7');
    expect(second.journeys).toEqual([{ journey: 'welcome', execution: distinct, outcome: 'started' }]);
    expect((await sfn.executions()).map((started) => [started.name, JSON.parse(started.input).customerId])).toEqual([
      ['welcome-shop-42-signup-7', 'shop-42'],
      [distinct, 'shop'],
    ]);
  });

  it('starts nothing again for a repeat of an entry that took a name of its own', async () => {
    // Prepare
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'shop-42', eventId: 'signup-7', profile: newYorker }));
    const second = event('signed_up', { customerId: 'shop', eventId: '42-signup-7', profile: newYorker });
    await ingestCustomerEvent(ports, second);

    // Act
    const repeated = await ingestCustomerEvent(ports, second);

    // Assess
    expect(repeated.journeys).toEqual([{ journey: 'welcome', execution: distinctExecutionName('welcome', 'shop', '42-signup-7'), outcome: 'already_started' }]);
    expect(await sfn.executions()).toHaveLength(2);
  });

  it('reports a start retried after a throttled StartExecution as started: the entry was claimed before, the execution was not', async () => {
    // Prepare: the first attempt claims the entry, then Step Functions refuses the start.
    const signup = event('signed_up', { customerId: 'c-001', eventId: 'signup-1', profile: newYorker });
    sfn.throttleNextCall();
    await expect(ingestCustomerEvent(ports, signup)).rejects.toThrow('Rate exceeded');
    // The function's clock reads the instant of the request; Step Functions takes the start after it.
    const requestedAt = new Date(Date.now() - 1000);

    // Act
    const retried = await ingestCustomerEvent({ ...ports, now: () => requestedAt }, signup);

    // Assess
    expect(retried.journeys).toEqual([{ journey: 'welcome', execution: 'welcome-c-001-signup-1', outcome: 'started' }]);
    expect(await sfn.executions()).toHaveLength(1);
  });

  it('keeps a customer out of welcome for good once entered (re-entry never), whatever the event id', async () => {
    // Prepare
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', eventId: 'signup-1', profile: newYorker }));

    // Act
    const again = await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', eventId: 'signup-2' }, '2027-06-01T00:00:00Z'));

    // Assess
    expect(again.journeys).toEqual([{ journey: 'welcome', execution: 'welcome-c-001-signup-2', outcome: 'not_eligible' }]);
    expect(await sfn.executions()).toHaveLength(1);
  });

  it('lets a customer into active-cross-sell again only 30 days after the last entry (re-entry afterDays)', async () => {
    // Prepare
    await ingestCustomerEvent(ports, event('profile_changed', { customerId: 'c-001', profile: newYorker }, '2026-02-01T00:00:00Z'));
    await ingestCustomerEvent(ports, event('order_placed', { customerId: 'c-001', eventId: 'order-1' }, '2026-03-01T00:00:00Z'));

    // Act
    const tooSoon = await ingestCustomerEvent(ports, event('order_placed', { customerId: 'c-001', eventId: 'order-2' }, '2026-03-30T23:59:59Z'));
    const later = await ingestCustomerEvent(ports, event('order_placed', { customerId: 'c-001', eventId: 'order-3' }, '2026-03-31T00:00:00Z'));

    // Assess
    expect(tooSoon.journeys.map((start) => start.outcome)).toEqual(['not_eligible']);
    expect(later.journeys.map((start) => start.outcome)).toEqual(['started']);
    expect(await startedNames()).toEqual(['active-cross-sell-c-001-order-1', 'active-cross-sell-c-001-order-3']);
  });

  it('starts loyalty for a gold tier reached within the year of a silver one, which entered nothing', async () => {
    // Prepare
    await ingestCustomerEvent(ports, event('profile_changed', { customerId: 'c-001', profile: newYorker }, '2026-01-01T00:00:00Z'));

    // Act
    const silver = await ingestCustomerEvent(ports, event('tier_changed', { customerId: 'c-001', eventId: 'tier-1', attributes: { tier: 'silver' } }, '2026-01-02T00:00:00Z'));
    const gold = await ingestCustomerEvent(ports, event('tier_changed', { customerId: 'c-001', eventId: 'tier-2', attributes: { tier: 'gold' } }, '2026-04-01T00:00:00Z'));

    // Assess
    expect(gold.journeys).toEqual([{ journey: 'loyalty', execution: 'loyalty-c-001-tier-2', outcome: 'started' }]);
    expect(silver.journeys).toEqual([{ journey: 'loyalty', outcome: 'condition_not_met' }]);
    expect(await startedNames()).toEqual(['loyalty-c-001-tier-2']);
  });

  it('nurtures a lead the prospect gave on the web, not one of our own bulk import, whose first ask needs no consent', async () => {
    // Prepare: prospect-nurture's first ask is transactional, the reply to the lead's own request.
    await ingestCustomerEvent(ports, event('profile_changed', { customerId: 'c-001', profile: newYorker }, '2026-01-01T00:00:00Z'));
    await ingestCustomerEvent(ports, event('profile_changed', { customerId: 'c-002', profile: newYorker }, '2026-01-01T00:00:00Z'));

    // Act
    const imported = await ingestCustomerEvent(ports, event('lead_captured', { customerId: 'c-001', eventId: 'crm-1', touchpoint: 'import' }));
    const web = await ingestCustomerEvent(ports, event('lead_captured', { customerId: 'c-002', eventId: 'form-1', touchpoint: 'web' }));

    // Assess
    expect(imported.journeys).toEqual([{ journey: 'prospect-nurture', outcome: 'condition_not_met' }]);
    expect(web.journeys).toEqual([{ journey: 'prospect-nurture', execution: 'prospect-nurture-c-002-form-1', outcome: 'started' }]);
  });

  it("tests an entry condition at the event's instant when its producer's clock runs ahead of ingest's", async () => {
    // Prepare: a journey entered when interests changed within 30 days, and an ingest clock 30 s behind the producer's.
    const interest = {
      journey: 'new-interest',
      stateMachineArn: arnOf('new-interest'),
      trigger: { kind: 'event' as const, events: ['profile_changed'], when: [changedWithin('interests', { days: 30 })] },
      reEntry: { rule: 'always' as const },
    };
    const behind = { ...ports, routes: [interest], now: () => new Date('2026-03-02T10:00:00.000Z') };
    await ingestCustomerEvent(behind, event('profile_changed', { customerId: 'c-001', profile: newYorker }, '2026-03-01T00:00:00Z'));

    // Act
    const changed = await ingestCustomerEvent(behind, event('profile_changed', { customerId: 'c-001', eventId: 'e-1', attributes: { interests: ['running'] } }, '2026-03-02T10:00:30Z'));

    // Assess
    expect(changed.journeys).toEqual([{ journey: 'new-interest', execution: 'new-interest-c-001-e-1', outcome: 'started' }]);
  });

  it('claims no entry record for an event whose customer does not meet the entry condition', async () => {
    // Prepare
    await ingestCustomerEvent(ports, event('profile_changed', { customerId: 'c-001', profile: newYorker }, '2026-01-01T00:00:00Z'));

    // Act
    await ingestCustomerEvent(ports, event('tier_changed', { customerId: 'c-001', eventId: 'tier-1', attributes: { tier: 'silver' } }, '2026-01-02T00:00:00Z'));

    // Assess
    expect(await entryRecordsOf('c-001')).toEqual([]);
    expect(await sfn.executions()).toHaveLength(0);
  });

  it('tests the entry condition on the customer as the event left them, not on the event alone', async () => {
    // Prepare: the tier came with an earlier event; this one names none.
    await ingestCustomerEvent(ports, event('profile_changed', { customerId: 'c-001', profile: newYorker, attributes: { tier: 'platinum' } }, '2026-01-01T00:00:00Z'));

    // Act
    const outcome = await ingestCustomerEvent(ports, event('tier_changed', { customerId: 'c-001', eventId: 'tier-1' }, '2026-01-02T00:00:00Z'));

    // Assess
    expect(outcome.journeys).toEqual([{ journey: 'loyalty', execution: 'loyalty-c-001-tier-1', outcome: 'started' }]);
  });

  it('reads the customer once more only for an event that enters a journey with conditions beyond the stage', async () => {
    // Prepare
    await ingestCustomerEvent(ports, event('profile_changed', { customerId: 'c-001', profile: newYorker }, '2026-01-01T00:00:00Z'));
    const counter = countRequests(dynamo.client);

    // Act
    let order: string[];
    let tier: string[];
    let signUp: string[];
    try {
      await ingestCustomerEvent(ports, event('order_placed', { customerId: 'c-001', eventId: 'order-1' }, '2026-01-02T00:00:00Z'));
      order = [...counter.commands];
      counter.reset();
      await ingestCustomerEvent(ports, event('tier_changed', { customerId: 'c-001', eventId: 'tier-1', attributes: { tier: 'silver' } }, '2026-01-03T00:00:00Z'));
      tier = [...counter.commands];
      counter.reset();
      await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', eventId: 'signup-1' }, '2026-01-04T00:00:00Z'));
      signUp = [...counter.commands];
    } finally {
      counter.detach();
    }

    // Assess: the event's state, the attributes, the waiting tokens and the two entry claims (no
    // condition: no snapshot); for loyalty's conditions the snapshot (one Query) and, the tier
    // being silver, no claim; welcome's conditions read whether the customer ever ordered, as this
    // one did: the snapshot, and no claim.
    expect(order).toEqual(['QueryCommand', 'TransactWriteItemsCommand', 'QueryCommand', 'PutItemCommand', 'PutItemCommand']);
    expect(tier).toEqual(['QueryCommand', 'TransactWriteItemsCommand', 'QueryCommand', 'QueryCommand']);
    expect(signUp).toEqual(['QueryCommand', 'TransactWriteItemsCommand', 'QueryCommand', 'QueryCommand']);
  });

  it('changes the email with the one transaction that moves the frequency version on, planned on its own read of the profile', async () => {
    // Prepare
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', profile: newYorker }, '2026-03-02T10:00:00Z'));
    const counter = countRequests(dynamo.client);

    // Act
    let outcome;
    let commands: string[];
    try {
      outcome = await ingestCustomerEvent(ports, event('profile_changed', { customerId: 'c-001', profile: { email: 'new@example.com' } }, '2026-03-03T00:00:00Z'));
      commands = [...counter.commands];
    } finally {
      counter.detach();
    }

    // Assess: the event's state, the profile with the frequency version, the phone index, the
    // attributes, the waiting tokens; no conditional write that fails on the changed address, and
    // no second read.
    expect(outcome.profile).toBe('updated');
    expect(commands).toEqual(['QueryCommand', 'TransactWriteItemsCommand', 'PutItemCommand', 'TransactWriteItemsCommand', 'QueryCommand']);
    expect((await store.requireSnapshot('c-001')).profile).toMatchObject({ email: 'new@example.com', updatedAt: '2026-03-03T00:00:00.000Z' });
  });

  it('keeps an email stated later by an event written between its read of the profile and its write', async () => {
    // Prepare
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', profile: newYorker }, '2026-03-02T10:00:00Z'));
    const racingStore = Object.create(store) as CustomerStore;
    racingStore.readEventState = async (customerId: string): Promise<EventState> => {
      const read = await store.readEventState(customerId);
      await ingestCustomerEvent(ports, event('profile_changed', { customerId, profile: { email: 'later@example.com' } }, '2026-03-04T00:00:00Z'));
      return read;
    };

    // Act
    const outcome = await ingestCustomerEvent({ ...ports, store: racingStore }, event('profile_changed', { customerId: 'c-001', profile: { email: 'earlier@example.com' } }, '2026-03-03T00:00:00Z'));

    // Assess
    expect(outcome.profile).toBe('stale');
    expect((await store.requireSnapshot('c-001')).profile).toMatchObject({ email: 'later@example.com', updatedAt: '2026-03-04T00:00:00.000Z' });
  });

  it('records what it learns about an unknown customer but starts no journey until a profile exists', async () => {
    // Act
    const outcome = await ingestCustomerEvent(ports, event('lead_captured', { customerId: 'c-404', attributes: { interests: ['running'] } }));

    // Assess
    expect(outcome.profile).toBe('missing');
    expect(outcome.journeys).toEqual([{ journey: 'prospect-nurture', outcome: 'no_profile' }]);
    expect(await sfn.executions()).toHaveLength(0);
    expect(await store.attributeHistory('c-404', 'interests')).toHaveLength(1);
  });

  it('resumes the execution waiting for the event with ids only, and forgets the token', async () => {
    // Prepare
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', profile: newYorker }));
    await sfn.startWaiting(arnOf('welcome'), 'welcome-c-001-x', 'token-1');
    await storeTaskToken(
      { client: dynamo.client, tableName },
      { customerId: 'c-001', journey: 'welcome', step: 'first-order', execution: 'welcome-c-001-x', event: 'order_placed', taskToken: 'token-1', timeoutSeconds: 604800 },
      new Date('2026-03-03T00:00:00Z'),
    );

    // Act
    const first = await ingestCustomerEvent(ports, event('order_placed', { customerId: 'c-001', eventId: 'order-1' }, '2026-03-04T00:00:00Z'));
    const second = await ingestCustomerEvent(ports, event('order_placed', { customerId: 'c-001', eventId: 'order-2' }, '2026-03-05T00:00:00Z'));

    // Assess
    expect(first.resumed).toEqual([{ journey: 'welcome', execution: 'welcome-c-001-x' }]);
    expect(sfn.returned).toEqual([
      { taskToken: 'token-1', output: JSON.stringify({ event: 'order_placed', eventId: 'order-1', occurredAt: '2026-03-04T00:00:00.000Z' }) },
    ]);
    expect(second.resumed).toEqual([]);
  });

  it('drops a token whose wait already timed out, without failing the event', async () => {
    // Prepare: the execution waits 60 seconds from 2026-03-01 (virtual time) and times out.
    await waitTimedOut('win-back-c-001-x', 'late', new Date('2026-03-01T00:00:00Z'));
    await storeTaskToken(
      { client: dynamo.client, tableName },
      { customerId: 'c-001', journey: 'win-back', step: 'comeback', execution: 'win-back-c-001-x', event: 'order_placed', taskToken: 'late', timeoutSeconds: 60 },
      new Date('2026-03-01T00:00:00Z'),
    );

    // Act
    const outcome = await ingestCustomerEvent(ports, event('order_placed', { customerId: 'c-001' }));
    const again = await ingestCustomerEvent(ports, event('order_placed', { customerId: 'c-001' }, '2026-03-03T00:00:00Z'));

    // Assess
    expect(outcome.expiredWaits).toBe(1);
    expect(outcome.resumed).toEqual([]);
    expect(again.expiredWaits).toBe(0);
  });

  it('records consents with their proof in the ledger', async () => {
    // Prepare
    const proof = { source: 'web-form', formId: 'signup-v3', consentTextVersion: '2026-01' };

    // Act
    const outcome = await ingestCustomerEvent(
      ports,
      event('consent_changed', { customerId: 'c-001', consents: [{ channel: 'email', topic: 'marketing', status: 'granted', proof }] }),
    );

    // Assess
    expect(outcome.consentsRecorded).toBe(1);
    expect(await store.consentLedger('c-001')).toEqual([
      { channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-02T10:00:00.000Z', proof },
    ]);
  });

  it('records an SMS grant that names no number for the number the profile holds once the event is applied, and keeps a number the proof names', async () => {
    // Prepare
    const smsGrant = (proof: Record<string, string>) => ({ channel: 'sms', topic: 'marketing', status: 'granted', proof: { source: 'crm-sync', ...proof } });
    const numberOf = async (customerId: string) => {
      const state = (await store.requireSnapshot(customerId)).consents.find((consent) => consent.channel === 'sms');
      const entry = (await store.consentLedger(customerId)).find((consent) => consent.channel === 'sms');
      return { state: state?.phone, proof: entry?.proof.phone };
    };

    // Act
    // A sign-up that brings the number and the grant together.
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', profile: newYorker, consents: [smsGrant({})] }));
    // A grant for a customer whose profile holds a number already.
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-002', profile: newYorker }));
    await ingestCustomerEvent(ports, event('consent_changed', { customerId: 'c-002', consents: [smsGrant({})] }, '2026-03-03T10:00:00Z'));
    // A grant in the event that moves the profile to a new number.
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-003', profile: newYorker }));
    await ingestCustomerEvent(ports, event('consent_changed', { customerId: 'c-003', profile: { phone: '+12125550199' }, consents: [smsGrant({})] }, '2026-03-03T10:00:00Z'));
    // A proof that names a number keeps it, even one the profile does not hold.
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-004', profile: newYorker, consents: [smsGrant({ phone: '+12125550177' })] }));
    // No number on the profile: none to bind to.
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-005', profile: { timezone: 'America/New_York' }, consents: [smsGrant({})] }));

    // Assess
    expect(await numberOf('c-001')).toEqual({ state: newYorker.phone, proof: newYorker.phone });
    expect(await numberOf('c-002')).toEqual({ state: newYorker.phone, proof: newYorker.phone });
    expect(await numberOf('c-003')).toEqual({ state: '+12125550199', proof: '+12125550199' });
    expect(await numberOf('c-004')).toEqual({ state: '+12125550177', proof: '+12125550177' });
    expect(await numberOf('c-005')).toEqual({ state: undefined, proof: undefined });
  });

  it('does not carry an ingested SMS grant over to the number a later event brings', async () => {
    // Prepare
    const grant = { channel: 'sms', topic: 'marketing', status: 'granted', proof: { source: 'crm-sync' } };
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', profile: newYorker, consents: [grant] }));
    const textAt = new Date('2026-03-04T16:00:00Z'); // 11:00 in New York
    const before = decideDelivery(await store.requireSnapshot('c-001'), { topic: 'marketing', channels: ['sms'] }, textAt);

    // Act
    await ingestCustomerEvent(ports, event('profile_changed', { customerId: 'c-001', profile: { phone: '+12125550199' } }, '2026-03-03T10:00:00Z'));

    // Assess
    const after = decideDelivery(await store.requireSnapshot('c-001'), { topic: 'marketing', channels: ['sms'] }, textAt);
    expect([before.kind, after]).toMatchObject(['send', { kind: 'skip', reason: 'no_consent' }]);
  });

  describe('an SMS grant naming no number, given before the profile\'s number was stated', () => {
    const grant = { channel: 'sms', topic: 'marketing', status: 'granted', proof: { source: 'crm-sync' } };
    const textAt = new Date('2026-03-06T16:00:00Z'); // 11:00 in New York
    const smsDecision = async (customerId: string) => decideDelivery(await store.requireSnapshot(customerId), { topic: 'marketing', channels: ['sms'] }, textAt);

    it.each([
      ['arriving after the change of number (out of order)', { consents: [grant] }, '2026-03-03T10:00:00Z'],
      ['dated before the change by a later sync (consents[].at)', { consents: [{ ...grant, at: '2026-03-03T10:00:00Z' }] }, '2026-03-05T10:00:00Z'],
    ])('permits no text to the number the customer got after it, %s', async (_, detail, time) => {
      // Prepare: the customer holds +12125550143 from 2 March and moves to +12125550199 on 4 March.
      await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', profile: newYorker }, '2026-03-02T10:00:00Z'));
      await ingestCustomerEvent(ports, event('profile_changed', { customerId: 'c-001', profile: { phone: '+12125550199' } }, '2026-03-04T10:00:00Z'));

      // Act: the grant given on 3 March.
      const outcome = await ingestCustomerEvent(ports, event('consent_changed', { customerId: 'c-001', ...detail }, time));

      // Assess
      expect(await smsDecision('c-001')).toMatchObject({ kind: 'skip', reason: 'no_consent' });
      expect(outcome).toMatchObject({ consentsRecorded: 1, smsGrantsForEarlierNumber: 1 });
      expect((await store.consentLedger('c-001'))[0]?.proof).toEqual({ source: 'crm-sync', phone: NUMBER_BEFORE_PROFILE_PHONE });
    });

    it('is tied to a number no profile can take in', () => {
      // Assess: profile phones coming in must be valid numbers, so none can ever match it.
      expect(ValidPhoneSchema.safeParse(NUMBER_BEFORE_PROFILE_PHONE).success).toBe(false);
    });

    it('decides as the same events in time order do, whichever order they arrive in', async () => {
      // Prepare
      const signUp = (customerId: string) => event('signed_up', { customerId, profile: newYorker }, '2026-03-02T10:00:00Z');
      const granted = (customerId: string) => event('consent_changed', { customerId, consents: [grant] }, '2026-03-03T10:00:00Z');
      const moved = (customerId: string) => event('profile_changed', { customerId, profile: { phone: '+12125550199' } }, '2026-03-04T10:00:00Z');

      // Act
      for (const next of [signUp('c-001'), granted('c-001'), moved('c-001')]) await ingestCustomerEvent(ports, next);
      for (const next of [signUp('c-002'), moved('c-002'), granted('c-002')]) await ingestCustomerEvent(ports, next);

      // Assess
      expect([await smsDecision('c-001'), await smsDecision('c-002')]).toMatchObject([
        { kind: 'skip', reason: 'no_consent' },
        { kind: 'skip', reason: 'no_consent' },
      ]);
    });

    it('still ties a grant given after the number was stated to that number', async () => {
      // Prepare
      await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', profile: newYorker }, '2026-03-02T10:00:00Z'));

      // Act: a late sync of a grant given after the sign-up, arriving after a later event that restates nothing of the phone.
      await ingestCustomerEvent(ports, event('profile_changed', { customerId: 'c-001', profile: { timezone: 'America/Chicago' } }, '2026-03-04T10:00:00Z'));
      const outcome = await ingestCustomerEvent(ports, event('consent_changed', { customerId: 'c-001', consents: [{ ...grant, at: '2026-03-03T10:00:00Z' }] }, '2026-03-05T10:00:00Z'));

      // Assess
      expect(outcome.smsGrantsForEarlierNumber).toBe(0);
      expect((await store.requireSnapshot('c-001')).consents).toMatchObject([{ channel: 'sms', status: 'granted', phone: newYorker.phone }]);
    });
  });

  it('does not let an event older than the stored profile overwrite it', async () => {
    // Prepare
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', profile: newYorker }, '2026-03-02T10:00:00Z'));

    // Act
    const outcome = await ingestCustomerEvent(ports, event('profile_changed', { customerId: 'c-001', profile: { timezone: 'Europe/Paris' } }, '2026-03-01T00:00:00Z'));

    // Assess
    expect(outcome.profile).toBe('stale');
    expect((await store.requireSnapshot('c-001')).profile.timezone).toBe('America/New_York');
  });

  it('keeps an event older than one that repeated the profile stale, though the repeat changed nothing', async () => {
    // Prepare
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', profile: newYorker }, '2026-03-02T10:00:00Z'));
    const repeat = await ingestCustomerEvent(ports, event('profile_changed', { customerId: 'c-001', profile: { timezone: 'America/New_York' } }, '2026-03-09T00:00:00Z'));

    // Act
    const older = await ingestCustomerEvent(ports, event('profile_changed', { customerId: 'c-001', profile: { timezone: 'Europe/Paris' } }, '2026-03-05T00:00:00Z'));

    // Assess
    expect([repeat.profile, older.profile]).toEqual(['unchanged', 'stale']);
    expect((await store.requireSnapshot('c-001')).profile).toMatchObject({ timezone: 'America/New_York', updatedAt: '2026-03-09T00:00:00.000Z' });
  });

  it('keeps the stage a journey set between its read of the profile and its write', async () => {
    // Prepare
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', profile: newYorker }));
    const journeys = journeyEffectsPorts({ store, client: dynamo.client, tableName });
    const racingStore = Object.create(store) as CustomerStore;
    racingStore.readEventState = async (customerId: string): Promise<EventState> => {
      const read = await store.readEventState(customerId);
      await journeys.setStage({ customerId, stage: 'new_customer', journey: 'welcome', step: 'Became customer', execution: 'welcome-c-001-x', at: '2026-03-03T00:00:00Z' });
      return read;
    };

    // Act
    const outcome = await ingestCustomerEvent({ ...ports, store: racingStore }, event('profile_changed', { customerId: 'c-001', profile: { email: 'ana@example.org' } }, '2026-03-03T00:00:00Z'));

    // Assess
    expect(outcome.profile).toBe('updated');
    expect((await store.requireSnapshot('c-001')).profile).toMatchObject({ stage: 'new_customer', email: 'ana@example.org', timezone: 'America/New_York' });
  });

  it('keeps a stage a journey set later than an event that names a stage and arrives late, and applies its other fields', async () => {
    // Prepare
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', profile: newYorker }, '2026-03-02T10:00:00Z'));
    const journeys = journeyEffectsPorts({ store, client: dynamo.client, tableName });
    await journeys.setStage({ customerId: 'c-001', stage: 'active', journey: 'welcome', step: 'Became active', execution: 'welcome-c-001-x', at: '2026-03-09T00:00:00Z' });

    // Act
    const late = await ingestCustomerEvent(ports, event('crm_sync', { customerId: 'c-001', profile: { stage: 'prospect', email: 'ana@example.org' } }, '2026-03-05T00:00:00Z'));
    const lateStageOnly = await ingestCustomerEvent(ports, event('crm_sync', { customerId: 'c-001', profile: { stage: 'prospect' } }, '2026-03-06T00:00:00Z'));

    // Assess
    expect([late.profile, lateStageOnly.profile]).toEqual(['updated', 'stale']);
    expect((await store.requireSnapshot('c-001')).profile).toMatchObject({ stage: 'active', email: 'ana@example.org', updatedAt: '2026-03-05T00:00:00.000Z' });
  });

  it('updates, rather than replaces, a profile another event created between its read and its write', async () => {
    // Prepare
    const racingStore = Object.create(store) as CustomerStore;
    racingStore.readEventState = async (customerId: string): Promise<EventState> => {
      const read = await store.readEventState(customerId);
      await ingestCustomerEvent(ports, event('signed_up', { customerId, profile: newYorker }, '2026-03-02T09:00:00Z'));
      return read;
    };

    // Act
    const outcome = await ingestCustomerEvent(
      { ...ports, store: racingStore },
      event('profile_changed', { customerId: 'c-001', profile: { timezone: 'Europe/Paris', address: { line1: '1 Rue de Rivoli', city: 'Paris', postalCode: '75001', country: 'FR' } } }, '2026-03-02T10:00:00Z'),
    );

    // Assess
    expect(outcome.profile).toBe('updated');
    expect((await store.requireSnapshot('c-001')).profile).toMatchObject({ timezone: 'Europe/Paris', email: newYorker.email, phone: newYorker.phone, updatedAt: '2026-03-02T10:00:00.000Z' });
  });

  it('starts the journeys of a first event whose profile another event created between its read and its write', async () => {
    // Prepare: a sign-up and a lead from the same web form, both bringing the new customer's
    // profile, ingested at once; the sign-up creates the profile after the lead's read of it.
    const racingStore = Object.create(store) as CustomerStore;
    racingStore.readEventState = async (customerId: string): Promise<EventState> => {
      const read = await store.readEventState(customerId);
      await ingestCustomerEvent(ports, event('signed_up', { customerId, eventId: 'signup-1', profile: newYorker }, '2026-03-02T10:00:00Z'));
      return read;
    };

    // Act
    const outcome = await ingestCustomerEvent(
      { ...ports, store: racingStore },
      event('lead_captured', { customerId: 'c-001', eventId: 'lead-1', touchpoint: 'web', profile: newYorker }, '2026-03-02T10:00:00Z'),
    );

    // Assess
    expect(outcome.journeys).toEqual([{ journey: 'prospect-nurture', execution: 'prospect-nurture-c-001-lead-1', outcome: 'started' }]);
    expect(await startedNames()).toEqual(['welcome-c-001-signup-1', 'prospect-nurture-c-001-lead-1']);
  });

  it('keeps preferences stated later when an event with older ones arrives after them', async () => {
    // Prepare
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', profile: newYorker }, '2026-03-02T10:00:00Z'));
    await ingestCustomerEvent(ports, event('preferences_changed', { customerId: 'c-001', preferences: { channels: ['sms'] } }, '2026-03-09T00:00:00Z'));

    // Act
    await ingestCustomerEvent(ports, event('preferences_changed', { customerId: 'c-001', preferences: { channels: ['email'] } }, '2026-03-05T00:00:00Z'));

    // Assess
    expect((await store.requireSnapshot('c-001')).preferences).toEqual({ channels: ['sms'] });
  });

  it('indexes the new number when the event is retried after its profile write landed but its index write did not', async () => {
    // Prepare: the first attempt updated the profile and stopped before the index.
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', profile: newYorker }));
    const changed = event('profile_changed', { customerId: 'c-001', profile: { phone: '+12125550199' } }, '2026-03-03T00:00:00Z');
    await store.updateProfile('c-001', { phone: '+12125550199' }, changed.occurredAt);

    // Act
    const retried = await ingestCustomerEvent(ports, changed);

    // Assess
    expect(retried.profile).toBe('unchanged');
    expect(await customersHoldingPhone({ client: dynamo.client, tableName }, '+12125550199')).toEqual(['c-001']);
  });

  it('keeps the customer listed under the number the profile ends with when a later event brings it back while an earlier one moves it away', async () => {
    // Prepare: one instance ingests P1 → P2 and is held just before it removes P1 from the index.
    const [P1, P2] = ['+12125550143', '+12125550199'];
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', profile: newYorker }, '2026-03-02T10:00:00Z'));
    const held = localDynamoDBClient(dynamo.endpoint);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const atRemoval = new Promise<void>((resolve) => (reached = resolve));
    held.middlewareStack.add(
      (next) => async (args) => {
        if (JSON.stringify(args.input).includes(`PHONE#${P1}`)) {
          reached();
          await released;
        }
        return next(args);
      },
      { step: 'initialize', name: 'holdRemoval' },
    );
    const moving = ingestCustomerEvent({ ...ports, dynamodb: held }, event('profile_changed', { customerId: 'c-001', profile: { phone: P2 } }, '2026-03-03T00:00:00Z'));
    await atRemoval;

    // Act: another instance ingests the later P2 → P1 in full meanwhile; then the first goes on.
    await ingestCustomerEvent(ports, event('profile_changed', { customerId: 'c-001', profile: { phone: P1 } }, '2026-03-03T00:00:01Z'));
    release();
    await moving;

    // Assess
    expect((await store.requireSnapshot('c-001')).profile.phone).toBe(P1);
    expect(await customersHoldingPhone({ client: dynamo.client, tableName }, P1)).toEqual(['c-001']);
    held.destroy();
  });

  it('applies the new number of an event that arrives after a later event changed only the email, and moves the phone index with it', async () => {
    // Prepare
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', profile: newYorker }, '2026-03-02T10:00:00Z'));
    await ingestCustomerEvent(ports, event('profile_changed', { customerId: 'c-001', profile: { email: 'ana@example.org' } }, '2026-03-09T00:00:00Z'));

    // Act
    const late = await ingestCustomerEvent(ports, event('profile_changed', { customerId: 'c-001', profile: { phone: '+12125550199', email: 'ana@example.net' } }, '2026-03-05T00:00:00Z'));

    // Assess
    expect(late.profile).toBe('updated');
    expect((await store.requireSnapshot('c-001')).profile).toMatchObject({ phone: '+12125550199', email: 'ana@example.org', updatedAt: '2026-03-09T00:00:00.000Z' });
    const phoneIndex = { client: dynamo.client, tableName };
    expect(await customersHoldingPhone(phoneIndex, '+12125550199')).toEqual(['c-001']);
    expect(await customersHoldingPhone(phoneIndex, newYorker.phone)).toEqual([]);
  });

  it('moves the phone index with the profile, so inbound SMS finds the customer by the new number', async () => {
    // Prepare
    await ingestCustomerEvent(ports, event('signed_up', { customerId: 'c-001', profile: newYorker }));

    // Act
    await ingestCustomerEvent(ports, event('profile_changed', { customerId: 'c-001', profile: { phone: '+12125550199' } }, '2026-03-03T00:00:00Z'));

    // Assess
    const phoneIndex = { client: dynamo.client, tableName };
    expect(await customersHoldingPhone(phoneIndex, '+12125550199')).toEqual(['c-001']);
    expect(await customersHoldingPhone(phoneIndex, newYorker.phone)).toEqual([]);
  });
});
