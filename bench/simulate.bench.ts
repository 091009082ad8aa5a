/**
 * `overture simulate` at scale: 2,000 customers through `welcome` (1,000 sign up over the first
 * week) and `win-back` (1,000 whose last order is 89–96 days old, entered by the daily inactivity
 * scan) over 60 virtual days, on the local runtime and its emulators.
 *
 * - `simulate_wall_s`: wall time of the simulation, from the local runtime's start (emulators up,
 *   tables, queues and buckets made: not the simulation's work) to its report built, the scenario's
 *   import, events, journeys and scans included;
 * - `simulate_messages_per_s`: messages in the report per second of that;
 * - `simulate_ddb_requests_per_message`: DynamoDB requests (every one the runtime's client was asked
 *   for, retries aside: the customers' import, ingest, gate reads, ledger, decisions, journey
 *   records, tokens, the scans) per message;
 * - `simulate_ratio_to_raw`: the simulation's message rate divided by the raw rate of the same
 *   emulators, measured in the same run right after it: per message one strongly consistent Query
 *   of a customer's state, one conditional PutItem and one SES SendEmail, with as many messages in
 *   flight as the simulator runs work items at once (its default concurrency), after a short
 *   warm-up; the median of three rounds of 1,000 messages. Target ≥ 0.5;
 * - `simulate_replay_ratio_to_raw`: what that ratio could be at most, whatever the simulator
 *   itself cost: the DynamoDB, SES and SQS requests the simulation sent, recorded as it sent them,
 *   replayed in their order against a fresh runtime's emulators with as many in flight as the raw
 *   loop, as messages of the simulation per second, divided by the same raw rate. The replay
 *   leaves out the simulation's StartExecution and S3 requests (they would start the interpreter),
 *   so it is, if anything, generous to the simulator;
 * - `simulate_replay_failed_requests`: replayed requests that failed (a condition that answered
 *   otherwise than in the simulation): each failed request is cheaper than the one it stands for,
 *   so any here make the replay's ratio generous;
 * - `simulate_ratio_to_replay`: the simulation's message rate divided by that replay's: the share
 *   of the simulation's time its own requests account for. 1 would be a simulator that costs
 *   nothing beyond the requests it makes; a drop shows work the simulator added, whatever the
 *   machine's speed, since both rates move with it.
 */
import * as dynamodbCommands from '@aws-sdk/client-dynamodb';
import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import * as sesCommands from '@aws-sdk/client-sesv2';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import * as sqsCommands from '@aws-sdk/client-sqs';
import { LocalRuntime } from '../lib/local/runtime';
import { synthesizeLocalApp } from '../lib/local/template';
import { parseScenario, type Scenario, type ScenarioEvent, type ScenarioInput } from '../lib/scenario';
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

/** Runs `work(0)` … `work(count - 1)` in order of index, `DEFAULT_SIMULATE_CONCURRENCY` at a time. */
async function inLanes(count: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next;
      next += 1;
      await work(index);
    }
  };
  await Promise.all(Array.from({ length: DEFAULT_SIMULATE_CONCURRENCY }, lane));
}

/** Sends `count` raw messages named `<prefix>-<n>`, `DEFAULT_SIMULATE_CONCURRENCY` at a time. */
function rawMessages(runtime: LocalRuntime, prefix: string, count: number): Promise<void> {
  return inLanes(count, (index) => rawMessage(runtime, `${prefix}-${index}`));
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

/** The clients whose requests the replay sends again, with the module that holds their commands. */
const REPLAYED_CLIENTS = { dynamodb: dynamodbCommands, ses: sesCommands, sqs: sqsCommands } as const;
type ReplayedClient = keyof typeof REPLAYED_CLIENTS;

/** One request of the simulation, as its client was asked for it (before retries). */
interface RecordedRequest {
  readonly client: ReplayedClient;
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/** An initialize-step middleware, as far as the recorder needs to know it. */
type InitializeMiddleware = (
  next: (args: { input: unknown }) => Promise<unknown>,
  context: { commandName?: string },
) => (args: { input: unknown }) => Promise<unknown>;

/** Records every request of the replayed clients of `runtime` into `requests`. */
function recordRequests(runtime: LocalRuntime, requests: RecordedRequest[]): void {
  for (const client of Object.keys(REPLAYED_CLIENTS) as ReplayedClient[]) {
    // The stacks' overloads differ per client and cannot be called through the union; this is the initialize one.
    const stack = runtime.clients[client].middlewareStack as unknown as { add(middleware: InitializeMiddleware, options: { step: 'initialize'; name: string }): void };
    stack.add(
      (next, context) => async (args) => {
        // The input itself, not a copy: copying would add work to the run being measured, and the SDK does not change it.
        requests.push({ client, command: context.commandName ?? '', input: args.input as Record<string, unknown> });
        return next(args);
      },
      { step: 'initialize', name: 'benchRequestRecorder' },
    );
  }
}

/** The command object of a recorded request, aimed at `runtime` (the queue's address is the runtime's own). */
function commandOf(runtime: LocalRuntime, request: RecordedRequest): unknown {
  const Command = (REPLAYED_CLIENTS[request.client] as unknown as Record<string, unknown>)[request.command];
  if (typeof Command !== 'function') throw new Error(`replay: ${request.client} has no command ${request.command}`);
  const input = request.client === 'sqs' && 'QueueUrl' in request.input ? { ...request.input, QueueUrl: runtime.directMailQueueUrl } : request.input;
  return new (Command as new (input: unknown) => unknown)(input);
}

/**
 * Sends `requests` again, in their order, {@link DEFAULT_SIMULATE_CONCURRENCY} in flight, against
 * a fresh runtime's emulators (empty tables, so every condition answers as it did), and resolves
 * with the real seconds it took and the requests that failed.
 */
async function replay(scenario: Scenario, requests: readonly RecordedRequest[]): Promise<{ seconds: number; failed: number }> {
  const runtime = await LocalRuntime.start({ journeys: scenarioJourneys(scenario), start: new Date(scenario.start), seed: scenario.seed, inactivityScan: false });
  try {
    let failed = 0;
    const send = async (index: number): Promise<void> => {
      const request = requests[index] as RecordedRequest;
      const client = runtime.clients[request.client] as unknown as { send(command: unknown): Promise<unknown> };
      await client.send(commandOf(runtime, request)).catch(() => {
        failed += 1;
      });
    };
    const started = performance.now();
    await inLanes(requests.length, send);
    return { seconds: (performance.now() - started) / 1000, failed };
  } finally {
    await runtime.close();
  }
}

export async function run(): Promise<Record<string, number>> {
  const scenario = parseScenario(benchScenario(), { knownJourneys: Object.keys(journeys) });
  await synthesizeLocalApp({ journeys: scenarioJourneys(scenario) });
  let raw = 0;
  const recorded: RecordedRequest[] = [];
  let started = 0;
  let finished = 0;
  const report = await simulate(scenario, {
    progress: (line) => process.stderr.write(`  simulate: ${line}\n`),
    onStart: (runtime) => {
      started = performance.now();
      recordRequests(runtime, recorded);
    },
    inspect: async (runtime) => {
      finished = performance.now();
      // The raw loop's own requests are not the simulation's.
      const simulated = recorded.length;
      raw = await rawRate(runtime);
      recorded.length = simulated;
    },
  });
  const wallSeconds = (finished - started) / 1000;
  const messages = report.summary.messages;
  const rate = messages / wallSeconds;
  const ddbRequests = recorded.filter((request) => request.client === 'dynamodb').length;
  process.stderr.write(`  simulate: ${messages} messages, ${report.summary.skipped} skipped, raw rate ${raw.toFixed(1)}/s\n`);
  process.stderr.write(`  simulate: replaying its ${recorded.length} DynamoDB, SES and SQS requests on fresh emulators\n`);
  const replayed = await replay(scenario, recorded);
  const replayRate = messages / replayed.seconds;
  process.stderr.write(`  simulate: replay took ${replayed.seconds.toFixed(1)} s (${replayRate.toFixed(1)} messages/s, ${replayed.failed} requests failed)\n`);
  return {
    simulate_wall_s: Number(wallSeconds.toFixed(2)),
    simulate_messages_per_s: Number(rate.toFixed(1)),
    simulate_ddb_requests_per_message: Number((ddbRequests / Math.max(1, messages)).toFixed(2)),
    simulate_ratio_to_raw: Number((rate / raw).toFixed(3)),
    simulate_replay_ratio_to_raw: Number((replayRate / raw).toFixed(3)),
    simulate_replay_failed_requests: replayed.failed,
    simulate_ratio_to_replay: Number((rate / replayRate).toFixed(3)),
  };
}
