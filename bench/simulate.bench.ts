/**
 * `overture simulate` at scale: 2,000 customers through `welcome` (1,000 sign up over the first
 * week) and `win-back` (1,000 whose last order is 89–96 days old, entered by the daily inactivity
 * scan) over 60 virtual days, on the local runtime and its emulators.
 *
 * - `simulate_wall_s`: wall time of the simulation (the app is synthesized before the clock starts);
 * - `simulate_messages_per_s`: messages in the report per second of that;
 * - `simulate_ddb_requests_per_message`: DynamoDB requests (every one the runtime's client sent:
 *   the customers' import, ingest, gate reads, ledger, decisions, journey records, tokens, the
 *   scans) per message;
 * - `simulate_ratio_to_raw`: the simulation's message rate divided by the raw rate of the same
 *   emulators, measured in the same run right after it: per message one strongly consistent Query
 *   of a customer's state, one conditional PutItem and one SES SendEmail, with as many messages in
 *   flight as the simulator runs work items at once (its default concurrency), after a short
 *   warm-up; the median of three rounds of 1,000 messages. Target ≥ 0.5.
 */
import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { LocalRuntime } from '../lib/local/runtime';
import { synthesizeLocalApp } from '../lib/local/template';
import { parseScenario, type ScenarioEvent, type ScenarioInput } from '../lib/scenario';
import { DEFAULT_SIMULATE_CONCURRENCY, scenarioJourneys, simulate } from '../lib/simulate/simulate';
import { journeys } from '../workflows';

const CUSTOMERS = 2000;
const START = Date.parse('2026-03-02T09:00:00Z');
const DAY = 86_400_000;
const RAW_MESSAGES = 1000;
/** Timed rounds of the raw loop; the median is kept (one busy moment of a shared machine moves one round, not the figure). */
const RAW_ROUNDS = 3;
/** Raw messages sent before the timed ones (the first requests of a client pay for its set-up). */
const RAW_WARM_UP = 100;
const ZONES = ['America/New_York', 'Europe/London', 'Europe/Paris', 'Asia/Tokyo', 'America/Los_Angeles'] as const;

/** A deterministic spread in [0, 1) for customer `index` and `salt`. */
function spread(index: number, salt: number): number {
  const x = Math.sin(index * 12.9898 + salt * 78.233) * 43758.5453;
  return x - Math.floor(x);
}

/** The scenario of the benchmark (also used to check that concurrency leaves the report unchanged). */
export function benchScenarioForTests(): ScenarioInput {
  return benchScenario();
}

function benchScenario(): ScenarioInput {
  const customers: ScenarioInput['customers'] = [];
  const events: ScenarioEvent[] = [];
  for (let index = 0; index < CUSTOMERS; index += 1) {
    const id = `c-${String(index).padStart(5, '0')}`;
    const lapsing = index % 2 === 1;
    customers.push({
      id,
      stage: lapsing ? 'active' : 'prospect',
      timezone: ZONES[index % ZONES.length] ?? 'UTC',
      email: `${id}@example.com`,
      phone: '+12125550143',
      address: { line1: '1 Main St', city: 'Springfield', postalCode: '01101', country: 'US' },
      consents: (['email', 'sms', 'mail'] as const).map((channel) => ({
        channel,
        topic: 'marketing',
        status: spread(index, channel.length) < 0.9 ? ('granted' as const) : ('revoked' as const),
        at: '2026-03-01T00:00:00Z',
        source: 'bench',
      })),
      ...(index % 3 === 0 ? { preferences: { quietHours: { start: '21:00', end: '08:00' } } } : {}),
      ...(lapsing ? { attributes: { 'lastEvent.order_placed': new Date(START - (89 + Math.floor(spread(index, 7) * 7)) * DAY).toISOString() } } : {}),
    });
    if (!lapsing) {
      const at = new Date(START + Math.floor(spread(index, 3) * 7 * DAY / 60_000) * 60_000).toISOString();
      events.push({ at, customerId: id, type: 'event', name: 'signed_up', properties: {} });
    }
  }
  return { start: new Date(START).toISOString(), until: new Date(START + 60 * DAY).toISOString(), seed: 2026, journeys: ['welcome', 'win-back'], customers, events };
}

/** One message's minimal work: read the customer's state, reserve the send, hand the email over. */
async function rawMessage(runtime: LocalRuntime, id: string): Promise<void> {
  const { dynamodb, ses } = runtime.clients;
  const pk = `CUSTOMER#${id}`;
  await dynamodb.send(
    new QueryCommand({
      TableName: runtime.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :state)',
      ExpressionAttributeValues: { ':pk': { S: pk }, ':state': { S: 'STATE#' } },
      ConsistentRead: true,
    }),
  );
  await dynamodb.send(
    new PutItemCommand({
      TableName: runtime.tableName,
      Item: { pk: { S: pk }, sk: { S: 'SEND#raw/step' }, status: { S: 'pending' } },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  await ses.send(
    new SendEmailCommand({
      FromEmailAddress: 'journeys@example.com',
      Destination: { ToAddresses: [`${id}@example.com`] },
      Content: { Simple: { Subject: { Data: 'Raw' }, Body: { Text: { Data: 'Raw rate of the emulators' } } } },
    }),
  );
}

/** Sends `count` raw messages named `<prefix>-<n>`, `DEFAULT_SIMULATE_CONCURRENCY` at a time. */
async function rawMessages(runtime: LocalRuntime, prefix: string, count: number): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next;
      next += 1;
      await rawMessage(runtime, `${prefix}-${index}`);
    }
  };
  await Promise.all(Array.from({ length: DEFAULT_SIMULATE_CONCURRENCY }, lane));
}

/** Messages per second for the minimal work per message on the runtime's own emulators: the median of {@link RAW_ROUNDS} rounds. */
async function rawRate(runtime: LocalRuntime): Promise<number> {
  await rawMessages(runtime, 'raw-warm-up', RAW_WARM_UP);
  const rates: number[] = [];
  for (let round = 0; round < RAW_ROUNDS; round += 1) {
    const started = performance.now();
    await rawMessages(runtime, `raw-${round}`, RAW_MESSAGES);
    rates.push(RAW_MESSAGES / ((performance.now() - started) / 1000));
  }
  return rates.sort((a, b) => a - b)[Math.floor(RAW_ROUNDS / 2)] ?? 0;
}

export async function run(): Promise<Record<string, number>> {
  const scenario = parseScenario(benchScenario(), { knownJourneys: Object.keys(journeys) });
  await synthesizeLocalApp({ journeys: scenarioJourneys(scenario) });
  let requests = 0;
  let raw = 0;
  const started = performance.now();
  let finished = started;
  const report = await simulate(scenario, {
    progress: (line) => process.stderr.write(`  simulate: ${line}\n`),
    onStart: (runtime) => {
      runtime.clients.dynamodb.middlewareStack.add(
        (next) => async (args) => {
          requests += 1;
          return next(args);
        },
        { step: 'finalizeRequest', priority: 'low', name: 'benchRequestCounter' },
      );
    },
    inspect: async (runtime) => {
      finished = performance.now();
      const counted = requests;
      raw = await rawRate(runtime);
      requests = counted;
    },
  });
  const wallSeconds = (finished - started) / 1000;
  const messages = report.summary.messages;
  const rate = messages / wallSeconds;
  process.stderr.write(`  simulate: ${messages} messages, ${report.summary.skipped} skipped, raw rate ${raw.toFixed(1)}/s\n`);
  return {
    simulate_wall_s: Number(wallSeconds.toFixed(2)),
    simulate_messages_per_s: Number(rate.toFixed(1)),
    simulate_ddb_requests_per_message: Number((requests / Math.max(1, messages)).toFixed(2)),
    simulate_ratio_to_raw: Number((rate / raw).toFixed(3)),
  };
}
