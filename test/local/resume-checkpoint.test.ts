/**
 * An execution that a stopped runtime left running carries on, after a restart on the same data
 * folder, from the last Wait it entered, with the time that was left: `welcome` stopped two
 * hours into its two-day `settle-in` sends the tips email two days after the welcome email, not
 * two days after the restart, and does not run the steps before that Wait again.
 */
import path from 'node:path';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DEFAULT_TOUCHPOINTS } from '../../lib/ingest/customer-event';
import { JOURNEY_RECORD_PREFIX } from '../../lib/ingest/journey-records';
import { LocalRuntime } from '../../lib/local/runtime';
import { readExecutionRegistry } from '../../lib/local/step-functions';
import { DATA_FILES } from '../../lib/local/data-files';
import { SendEntrySchema } from '../../lib/store/records';
import { SORT_KEY_PREFIXES } from '../../lib/store/table-design';
import { welcome } from '../../workflows/catalog/welcome';
import { temporaryDataDir, testOutdir } from './support';

jest.setTimeout(300_000);

const START = Date.parse('2026-03-02T09:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CUSTOMER = 'resume-1';
const data = temporaryDataDir('resume-checkpoint');

function startRuntime(): Promise<LocalRuntime> {
  return LocalRuntime.start({
    dataDir: data,
    journeys: [welcome],
    start: new Date(START),
    seed: 5,
    outdir: testOutdir('resume-checkpoint'),
    inactivityScan: false,
  });
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
  const first = await startRuntime();
  try {
    await first.store.importCustomer({
      profile: { customerId: CUSTOMER, stage: 'prospect', timezone: 'UTC', email: 'resume-1@example.com', updatedAt: new Date(START).toISOString() },
      consents: [{ channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-01T00:00:00Z', proof: { source: 'web-form' } }],
    });
    const signedUp = new Date(START + HOUR).toISOString();
    first.schedule({
      at: START + HOUR,
      order: [CUSTOMER],
      key: CUSTOMER,
      run: async () => {
        await first.ingestInWorkItem({
          name: 'signed_up',
          customerId: CUSTOMER,
          eventId: 'signed_up-1',
          occurredAt: signedUp,
          touchpoint: DEFAULT_TOUCHPOINTS.signed_up,
          attributes: {},
          consents: [],
        });
      },
    });
    await first.run(new Date(START + 3 * HOUR));
  } finally {
    await first.close();
  }
  const stopped = await readExecutionRegistry(path.join(data, DATA_FILES.executions));
  expect(stopped.map((record) => [record.status, record.checkpoint?.state])).toEqual([['RUNNING', 'settle-in']]);

  // Act: start again on the same data and run past the end of the wait.
  const second = await startRuntime();
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
