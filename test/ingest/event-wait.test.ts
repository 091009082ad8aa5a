/**
 * The race between a wait for an event and the event itself: the execution enters its wait step,
 * the event is ingested, and only then is the task token stored. Real DynamoDB (dynalite) and the
 * local Step Functions over the SDK wire, where each customer's execution waits holding its token
 * and accepts it once, as the service does.
 */
import fc from 'fast-check';
import { beginEventWait, lastOccurrence } from '../../lib/ingest/event-wait';
import { parseCustomerEvent, type CustomerEvent } from '../../lib/ingest/customer-event';
import { ingestCustomerEvent, type IngestPorts } from '../../lib/ingest/ingest-event';
import type { ResumePorts } from '../../lib/ingest/resume-waiting';
import { waitingTasks } from '../../lib/ingest/task-tokens';
import type { WaitForEventPayload } from '../../lib/journeys/wait-for-event-contract';
import { localStateMachineArn } from '../../lib/local/step-functions';
import { CustomerStore } from '../../lib/store/customer-store';
import { countRequests, createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { startLocalStepFunctions, type LocalStepFunctionsHarness } from '../support/step-functions';
import { RequestInterleaving } from './request-interleaving';

const welcomeArn = localStateMachineArn('welcome');

let dynamo: DynaliteHarness;
let sfn: LocalStepFunctionsHarness;
let tableName: string;
let sequence = 0;

beforeAll(async () => {
  [dynamo, sfn] = await Promise.all([startDynalite(), startLocalStepFunctions({ machines: { [welcomeArn]: { kind: 'waits' } } })]);
  tableName = await createCustomerTable(dynamo.client, 'event-wait');
});
afterAll(async () => {
  await sfn.stop();
  await dynamo.stop();
});
beforeEach(() => sfn.reset());

const WAIT_STARTED_AT = '2026-03-02T10:00:00.000Z';

function at(offsetSeconds: number): string {
  return new Date(Date.parse(WAIT_STARTED_AT) + offsetSeconds * 1000).toISOString();
}

/**
 * A fresh customer per test, so tests share one table without seeing each other's records, whose
 * welcome execution has entered its wait for order_placed and holds the token of {@link waitFor}.
 */
async function newCustomer(): Promise<string> {
  sequence += 1;
  const customerId = `c-${sequence}`;
  const payload = waitFor(customerId);
  await sfn.startWaiting(welcomeArn, payload.execution, payload.taskToken);
  return customerId;
}

function ingestPorts(client = dynamo.client): IngestPorts {
  return { store: new CustomerStore({ client, tableName }), dynamodb: client, sfn: sfn.client, tableName, routes: [] };
}

function waitPorts(client = dynamo.client): ResumePorts {
  return { dynamodb: client, sfn: sfn.client, tableName };
}

function orderPlaced(customerId: string, occurredAt: string, eventId = `order-${occurredAt}`): CustomerEvent {
  const parsed = parseCustomerEvent({ id: `eb-${eventId}`, 'detail-type': 'order_placed', source: 'test', time: occurredAt, detail: { customerId, eventId } });
  if (!parsed.valid) throw new Error(parsed.reason);
  return parsed.event;
}

function waitFor(customerId: string, taskToken = `token-${customerId}`): WaitForEventPayload {
  return {
    customerId,
    journey: 'welcome',
    step: 'first-order',
    execution: `welcome-${customerId}-s1`,
    event: 'order_placed',
    taskToken,
    timeoutSeconds: 604800,
    waitStartedAt: WAIT_STARTED_AT,
  };
}

/** The stored token items of the customer's waits for order_placed. */
async function storedTokens(customerId: string): Promise<string[]> {
  return (await waitingTasks({ client: dynamo.client, tableName }, customerId, 'order_placed')).map((task) => task.taskToken);
}

describe('an event ingested after the wait began but before its token was stored', () => {
  it('is caught by the waitForEvent function, which resumes the execution once and forgets the token', async () => {
    // Prepare: the event arrives 2 s into the wait, while the token is not stored yet.
    const customerId = await newCustomer();
    const ingested = await ingestCustomerEvent(ingestPorts(), orderPlaced(customerId, at(2)));

    // Act
    const outcome = await beginEventWait(waitPorts(), waitFor(customerId), new Date(at(3)));
    const replayed = await ingestCustomerEvent(ingestPorts(), orderPlaced(customerId, at(2)));

    // Assess
    expect(ingested.resumed).toEqual([]);
    expect(outcome).toEqual({ status: 'resumed', occurredAt: at(2) });
    expect(sfn.returned).toEqual([{ taskToken: `token-${customerId}`, output: JSON.stringify({ event: 'order_placed', occurredAt: at(2) }) }]);
    expect(replayed.resumed).toEqual([]);
    expect(await storedTokens(customerId)).toEqual([]);
  });

  it('resumes the execution when the event happened at the very instant the wait began', async () => {
    // Prepare
    const customerId = await newCustomer();
    await ingestCustomerEvent(ingestPorts(), orderPlaced(customerId, at(0)));

    // Act
    const outcome = await beginEventWait(waitPorts(), waitFor(customerId), new Date(at(1)));

    // Assess
    expect(outcome.status).toBe('resumed');
    expect(sfn.returned).toHaveLength(1);
  });
});

describe('an event that happened before the wait began', () => {
  it('does not end the wait, whether it was ingested before the token was stored or delivered late after it', async () => {
    // Prepare: one order just before the wait, then one that happened even earlier, delivered late.
    const customerId = await newCustomer();
    await ingestCustomerEvent(ingestPorts(), orderPlaced(customerId, at(-1)));

    // Act
    const outcome = await beginEventWait(waitPorts(), waitFor(customerId), new Date(at(1)));
    const late = await ingestCustomerEvent(ingestPorts(), orderPlaced(customerId, at(-60)));
    const next = await ingestCustomerEvent(ingestPorts(), orderPlaced(customerId, at(30)));

    // Assess
    expect(outcome).toEqual({ status: 'waiting' });
    expect(late).toMatchObject({ resumed: [], laterWaits: 1, expiredWaits: 0 });
    expect(next).toMatchObject({ resumed: [{ journey: 'welcome', execution: `welcome-${customerId}-s1` }], laterWaits: 0 });
    expect(sfn.returned.map((call) => JSON.parse(call.output) as unknown)).toEqual([
      { event: 'order_placed', eventId: `order-${at(30)}`, occurredAt: at(30) },
    ]);
  });

  it('keeps the latest occurrence as the mark, so a late older event does not hide a recent one', async () => {
    // Prepare
    const customerId = await newCustomer();
    await ingestCustomerEvent(ingestPorts(), orderPlaced(customerId, at(5)));
    await ingestCustomerEvent(ingestPorts(), orderPlaced(customerId, at(-300)));

    // Act
    const mark = await lastOccurrence({ client: dynamo.client, tableName }, customerId, 'order_placed');
    const outcome = await beginEventWait(waitPorts(), waitFor(customerId), new Date(at(6)));

    // Assess
    expect(mark).toBe(at(5));
    expect(outcome.status).toBe('resumed');
  });
});

describe('a wait for the event that entered the journey', () => {
  /** The entry order is stamped 2 minutes ahead of the wait's start: its producer's clock runs ahead (ingest accepts up to 5). */
  const ENTRY_AT = at(120);
  const entered = (customerId: string): WaitForEventPayload => ({ ...waitFor(customerId), entry: { enteredAt: ENTRY_AT } });

  it('does not end on the entry event itself when its producer\'s clock runs ahead of the wait\'s start', async () => {
    // Prepare: the order that started the execution was ingested before the wait's token was stored.
    const customerId = await newCustomer();
    await ingestCustomerEvent(ingestPorts(), orderPlaced(customerId, ENTRY_AT, 'order-1'));

    // Act
    const outcome = await beginEventWait(waitPorts(), entered(customerId), new Date(at(1)));

    // Assess
    expect(outcome).toEqual({ status: 'waiting' });
    expect(sfn.returned).toEqual([]);
  });

  it('does not end on a redelivery of the entry event after the token is stored, and ends on the next one', async () => {
    // Prepare
    const customerId = await newCustomer();
    const entry = orderPlaced(customerId, ENTRY_AT, 'order-1');
    await ingestCustomerEvent(ingestPorts(), entry);
    await beginEventWait(waitPorts(), entered(customerId), new Date(at(1)));

    // Act: EventBridge delivers the entry order again, then the customer orders again.
    const redelivered = await ingestCustomerEvent(ingestPorts(), entry);
    const next = await ingestCustomerEvent(ingestPorts(), orderPlaced(customerId, at(121), 'order-2'));

    // Assess
    expect(redelivered).toMatchObject({ resumed: [], laterWaits: 1 });
    expect(next.resumed).toEqual([{ journey: 'welcome', execution: `welcome-${customerId}-s1` }]);
  });

  it('still ends on an event after the entry that the waitForEvent function finds already ingested', async () => {
    // Prepare
    const customerId = await newCustomer();
    await ingestCustomerEvent(ingestPorts(), orderPlaced(customerId, ENTRY_AT, 'order-1'));
    await ingestCustomerEvent(ingestPorts(), orderPlaced(customerId, at(121), 'order-2'));

    // Act
    const outcome = await beginEventWait(waitPorts(), entered(customerId), new Date(at(2)));

    // Assess
    expect(outcome).toEqual({ status: 'resumed', occurredAt: at(121) });
  });
});

describe('resuming twice', () => {
  it('treats a token ingest already returned as spent when the waitForEvent function runs again, and resumes nothing twice', async () => {
    // Prepare: the token is stored, then the event resumes the execution through ingest.
    const customerId = await newCustomer();
    const first = await beginEventWait(waitPorts(), waitFor(customerId), new Date(at(0)));
    const ingested = await ingestCustomerEvent(ingestPorts(), orderPlaced(customerId, at(2)));

    // Act: Lambda runs the waitForEvent function again (a retried invocation), and the event is redelivered.
    const again = await beginEventWait(waitPorts(), waitFor(customerId), new Date(at(3)));
    const redelivered = await ingestCustomerEvent(ingestPorts(), orderPlaced(customerId, at(2)));

    // Assess
    expect(first).toEqual({ status: 'waiting' });
    expect(ingested.resumed).toHaveLength(1);
    expect(again).toEqual({ status: 'spent', occurredAt: at(2) });
    expect(redelivered.resumed).toEqual([]);
    expect(sfn.returned).toHaveLength(1);
    expect(await storedTokens(customerId)).toEqual([]);
  });

  it('leaves a wait without a start to ingest, as definitions compiled before it did', async () => {
    // Prepare
    const customerId = await newCustomer();
    await ingestCustomerEvent(ingestPorts(), orderPlaced(customerId, at(2)));
    const { waitStartedAt: _dropped, ...legacy } = waitFor(customerId);

    // Act
    const outcome = await beginEventWait(waitPorts(), legacy, new Date(at(3)));
    const ingested = await ingestCustomerEvent(ingestPorts(), orderPlaced(customerId, at(-10)));

    // Assess
    expect(outcome).toEqual({ status: 'waiting' });
    expect(ingested.resumed).toHaveLength(1);
  });
});

describe('the cost on the ingest path', () => {
  it('finds waiting executions with the one Query it always made, and writes no mark of its own', async () => {
    // Prepare
    const customerId = await newCustomer();
    await beginEventWait(waitPorts(), waitFor(customerId), new Date(at(0)));
    const counter = countRequests(dynamo.client);

    // Act
    try {
      await ingestCustomerEvent(ingestPorts(), orderPlaced(customerId, at(2)));
    } finally {
      counter.detach();
    }

    // Assess: the profile and the attributes' versions (one Query), the attribute transaction (the
    // mark is its `lastEvent.order_placed`), the tokens, and the removal of the one returned.
    expect(counter.commands).toEqual(['QueryCommand', 'TransactWriteItemsCommand', 'QueryCommand', 'DeleteItemCommand']);
  });
});

describe('any interleaving of ingest and the wait', () => {
  it('resumes the execution exactly once when the event happened at or after the wait began, and never otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -3, max: 3 }),
        fc.array(fc.nat({ max: 1 }), { maxLength: 12 }),
        async (eventOffsetSeconds, choices) => {
          // Prepare
          const customerId = await newCustomer();
          const payload = waitFor(customerId);
          let turn = 0;
          const interleaving = new RequestInterleaving(dynamo.endpoint, () => choices[turn++] ?? 0);

          // Act
          const [ingested, waited] = await Promise.all([
            interleaving.run('ingest', (client) => ingestCustomerEvent(ingestPorts(client), orderPlaced(customerId, at(eventOffsetSeconds)))),
            interleaving.run('wait', (client) => beginEventWait(waitPorts(client), payload, new Date(at(4)))),
          ]).finally(() => interleaving.destroy());

          // Assess
          const expected = eventOffsetSeconds >= 0 ? 1 : 0;
          expect(sfn.returned.filter((call) => call.taskToken === payload.taskToken)).toHaveLength(expected);
          expect(ingested.resumed.length + (waited.status === 'resumed' ? 1 : 0)).toBe(expected);
          expect(await storedTokens(customerId)).toEqual(expected === 1 ? [] : [payload.taskToken]);
        },
      ),
      { numRuns: 60 },
    );
  });
});
