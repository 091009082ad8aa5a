/**
 * An execution that a stopped runtime left running carries on, after a restart on the same data
 * folder, from the last wait it entered, with the time that was left: `welcome` stopped two
 * hours into its two-day `settle-in` sends the tips email two days after the welcome email, not
 * two days after the restart, and does not run the steps before that Wait again; likewise
 * `prospect-nurture` stopped half a day into its three-day wait for the lead's preferences
 * reminds the lead three days after it asked, not three days after the restart.
 */
import path from 'node:path';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { defaultTouchpointOf } from '../../lib/ingest/customer-event';
import type { EventName } from '../../lib/journeys/identifiers';
import type { Journey } from '../../lib/journeys/format';
import { JOURNEY_RECORD_PREFIX } from '../../lib/ingest/journey-records';
import { LocalRuntime } from '../../lib/local/runtime';
import { readExecutionRegistry } from '../../lib/local/step-functions';
import { DATA_FILES } from '../../lib/local/data-files';
import { SendEntrySchema } from '../../lib/store/records';
import { SORT_KEY_PREFIXES } from '../../lib/store/table-design';
import { prospectNurture } from '../../workflows/catalog/prospect-nurture';
import { welcome } from '../../workflows/catalog/welcome';
import { temporaryDataDir, testOutdir } from './support';

jest.setTimeout(300_000);

const START = Date.parse('2026-03-02T09:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CUSTOMER = 'resume-1';

function startRuntime(data: string, journey: Journey, resumeInterrupted = true): Promise<LocalRuntime> {
  return LocalRuntime.start({
    dataDir: data,
    journeys: [journey],
    start: new Date(START),
    seed: 5,
    outdir: testOutdir(`resume-checkpoint-${journey.id}`),
    inactivityScan: false,
    resumeInterrupted,
  });
}

/** Ingests `name` for the customer at `at` as a stopped stack does (`overture send-event` on its data folder): nothing is carried on. */
async function ingestWhileStopped(data: string, journey: Journey, name: EventName, at: number): Promise<void> {
  const offline = await startRuntime(data, journey, false);
  try {
    const occurredAt = new Date(at).toISOString();
    await offline.ingestInWorkItem({ name, customerId: CUSTOMER, eventId: `${name}-1`, occurredAt, touchpoint: defaultTouchpointOf(name), attributes: {}, consents: [] });
  } finally {
    await offline.close();
  }
}

/** Imports the customer, with email consent, and plays `name` for them an hour after the start; runs until `stopAt`, then closes. */
async function enterAndStop(data: string, journey: Journey, name: EventName, stopAt: number): Promise<void> {
  const first = await startRuntime(data, journey);
  try {
    await first.store.importCustomer({
      profile: { customerId: CUSTOMER, stage: 'prospect', timezone: 'UTC', email: 'resume-1@example.com', updatedAt: new Date(START).toISOString() },
      consents: [{ channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-01T00:00:00Z', proof: { source: 'web-form' } }],
    });
    first.schedule({
      at: START + HOUR,
      order: [CUSTOMER],
      key: CUSTOMER,
      run: async () => {
        await first.ingestInWorkItem({
          name,
          customerId: CUSTOMER,
          eventId: `${name}-1`,
          occurredAt: new Date(START + HOUR).toISOString(),
          touchpoint: defaultTouchpointOf(name),
          attributes: {},
          consents: [],
        });
      },
    });
    await first.run(new Date(stopAt));
  } finally {
    await first.close();
  }
}

/** The customer's records whose sort key starts with `prefix`, read around the store. */
async function records(runtime: LocalRuntime, prefix: string): Promise<Record<string, unknown>[]> {
  const { Items } = await runtime.clients.dynamodb.send(
    new QueryCommand({
      TableName: runtime.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': { S: `CUSTOMER#${CUSTOMER}` }, ':prefix': { S: prefix } },
      ConsistentRead: true,
    }),
  );
  return (Items ?? []).map((item) => unmarshall(item));
}

/** When each step's message went out, from the send ledger. */
async function sentAt(runtime: LocalRuntime): Promise<Record<string, string | undefined>> {
  const sends = (await records(runtime, SORT_KEY_PREFIXES.sendLedger)).map((item) => SendEntrySchema.parse(item));
  return Object.fromEntries(sends.map((entry) => [entry.step, entry.sentAt]));
}

it('carries a restarted execution on from its last Wait, with the time that was left', async () => {
  // Prepare: a customer signs up; the runtime stops two hours into the two-day wait.
  const data = temporaryDataDir('resume-checkpoint');
  await enterAndStop(data, welcome, 'signed_up', START + 3 * HOUR);
  const stopped = await readExecutionRegistry(path.join(data, DATA_FILES.executions));
  expect(stopped.map((record) => [record.status, record.checkpoint?.state])).toEqual([['RUNNING', 'settle-in']]);

  // Act: start again on the same data and run past the end of the wait.
  const second = await startRuntime(data, welcome);
  let sends: Record<string, string | undefined>;
  let stageRecords: number;
  try {
    await second.run(new Date(START + 4 * DAY));
    sends = await sentAt(second);
    stageRecords = (await records(second, JOURNEY_RECORD_PREFIX)).filter((record) => record.record === 'stage').length;
    // The stage step and the welcome email ran before the Wait: only the tips email runs now.
    expect(second.counters).toMatchObject({ effects: 0, sends: 1 });
  } finally {
    await second.close();
  }

  // Assess
  const welcomeAt = sends['welcome-email'];
  expect(welcomeAt).toBeDefined();
  expect(sends['tips-email']).toBe(new Date(Date.parse(welcomeAt ?? '') + 2 * DAY).toISOString());
  expect(stageRecords).toBe(1);
});

it('carries a restarted wait for an event on to the timeout it had, counting events from when it began', async () => {
  // Prepare: a lead is captured and asked for their preferences; the runtime stops half a day
  // into the three-day wait for them.
  const data = temporaryDataDir('resume-checkpoint-event-wait');
  await enterAndStop(data, prospectNurture, 'lead_captured', START + 13 * HOUR);
  const stopped = await readExecutionRegistry(path.join(data, DATA_FILES.executions));
  expect(stopped.map((record) => [record.status, record.checkpoint?.state])).toEqual([['RUNNING', 'preferences-given']]);

  // Act: start again on the same data and run past the end of the wait.
  const second = await startRuntime(data, prospectNurture);
  let sends: Record<string, string | undefined>;
  try {
    await second.run(new Date(START + 5 * DAY));
    sends = await sentAt(second);
    // The ask went out before the wait: only the reminder runs now.
    expect(second.counters).toMatchObject({ sends: 1, waits: 1 });
  } finally {
    await second.close();
  }

  // Assess
  const askedAt = sends['ask-preferences'];
  expect(askedAt).toBeDefined();
  expect(sends['remind-preferences']).toBe(new Date(Date.parse(askedAt ?? '') + 3 * DAY).toISOString());
});

it('ends a restarted wait for an event with an event that came during its first part', async () => {
  // Prepare: the lead gives their preferences half a day into the wait, while the stack is
  // stopped, so nothing is waiting to be told.
  const data = temporaryDataDir('resume-checkpoint-event-wait-answered');
  await enterAndStop(data, prospectNurture, 'lead_captured', START + 13 * HOUR);
  await ingestWhileStopped(data, prospectNurture, 'preferences_updated', START + 12 * HOUR);
  const second = await startRuntime(data, prospectNurture);
  let sends: Record<string, string | undefined>;
  try {
    // Act
    await second.run(new Date(START + 5 * DAY));
    sends = await sentAt(second);
  } finally {
    await second.close();
  }

  // Assess: the answer ended the wait, so no reminder.
  expect(sends['ask-preferences']).toBeDefined();
  expect(sends).not.toHaveProperty('remind-preferences');
});
