/**
 * `prospect-nurture`'s nurture series on the local runtime: the real handlers, the state machine
 * of the synthesized template and the emulators, under the virtual clock. A step sends at most
 * once per execution (rule 8), so the series is only as long as its distinct send steps: these
 * leads show how many messages it really sends, when, and how it ends.
 */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { JOURNEY_RECORD_PREFIX } from '../../lib/ingest/journey-records';
import { checkReport, formatViolation, parseScenario, type Report, type ScenarioEvent, type ScenarioInput } from '../../lib/scenario';
import { simulate } from '../../lib/simulate/simulate';
import { itemKeys } from '../../lib/store/item-keys';
import { PARTITION_KEY, SORT_KEY } from '../../lib/store/table-design';
import { journeys } from '../../workflows';
import { testOutdir } from './support';

jest.setTimeout(900_000);

const JOURNEY = 'prospect-nurture';
const TIME_ZONE = 'America/New_York';
const DAY = 24 * 3_600_000;

function lead(id: string): ScenarioInput['customers'][number] {
  return {
    id,
    stage: 'prospect',
    timezone: TIME_ZONE,
    email: `${id}@example.com`,
    consents: [{ channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-01T00:00:00Z', source: 'web-form' }],
  };
}

function event(customerId: string, at: string, name: string): ScenarioEvent {
  return { at, customerId, type: 'event', name, properties: {} };
}

/** Captured on Monday 2 March 2026 at 10:00 in New York, preferences given an hour later. */
function captured(customerId: string): ScenarioEvent[] {
  return [event(customerId, '2026-03-02T15:00:00Z', 'lead_captured'), event(customerId, '2026-03-02T16:00:00Z', 'preferences_updated')];
}

// New York moves its clocks on 8 March 2026, between the first nurture and the second.
const scenario = parseScenario(
  {
    start: '2026-03-02T09:00:00Z',
    until: '2026-05-15T00:00:00Z',
    seed: 5,
    journeys: [JOURNEY],
    customers: [lead('engaged'), lead('buyer'), lead('cold')],
    events: [
      // Seen in the store every two weeks, never buys.
      ...captured('engaged'),
      event('engaged', '2026-03-10T18:00:00Z', 'store_visit'),
      event('engaged', '2026-03-24T18:00:00Z', 'store_visit'),
      event('engaged', '2026-04-07T18:00:00Z', 'store_visit'),
      // Buys three days after the second nurture.
      ...captured('buyer'),
      event('buyer', '2026-03-10T18:00:00Z', 'store_visit'),
      event('buyer', '2026-03-20T18:00:00Z', 'order_placed'),
      // Captured in the store on a Wednesday, never seen again: engaged (in the last 30 days) at
      // the second nurture, gone cold by the third.
      event('cold', '2026-03-04T15:00:00Z', 'store_visit'),
      event('cold', '2026-03-04T15:01:00Z', 'lead_captured'),
      event('cold', '2026-03-04T16:00:00Z', 'preferences_updated'),
    ],
  },
  { knownJourneys: Object.keys(journeys) },
);

let report: Report;
/** How each lead's execution ended, as its journey record says: `<record>:<step>`. */
const outcomes = new Map<string, string[]>();
/** Each lead's execution status when the clock reached `until`. */
const statuses = new Map<string, string>();

beforeAll(async () => {
  report = await simulate(scenario, {
    outdir: testOutdir('prospect-nurture'),
    inspect: async (runtime) => {
      for (const customer of scenario.customers) {
        const { Items = [] } = await runtime.clients.dynamodb.send(
          new QueryCommand({
            TableName: runtime.tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
            ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
            ExpressionAttributeValues: { ':pk': { S: itemKeys.partition(customer.id) }, ':prefix': { S: JOURNEY_RECORD_PREFIX } },
            ConsistentRead: true,
          }),
        );
        outcomes.set(
          customer.id,
          Items.map((item) => unmarshall(item))
            .filter((record) => record.record === 'exit' || record.record === 'goal')
            .map((record) => `${String(record.record)}:${String(record.step)}`),
        );
      }
      for (const execution of runtime.stepFunctions.listExecutions()) {
        if (execution.journey !== JOURNEY) continue;
        const { customerId } = JSON.parse(execution.input) as { customerId: string };
        statuses.set(customerId, execution.status);
      }
    },
  });
});

function messagesOf(customerId: string) {
  return report.messages.filter((message) => message.customerId === customerId && message.journey === JOURNEY);
}

function stepsOf(customerId: string): string[] {
  return messagesOf(customerId).map((message) => message.step);
}

/** The lead's nurture messages, whatever the steps that sent them are called. */
function nurturesOf(customerId: string) {
  return messagesOf(customerId).filter((message) => message.step.startsWith('nurture'));
}

const localTime = new Intl.DateTimeFormat('en-US', { timeZone: TIME_ZONE, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

describe('prospect-nurture on the local runtime', () => {
  it('sends an engaged lead who never buys the four nurture messages, every other Tuesday at 10:00 local time, then ends the series', () => {
    // Assess
    const nurtures = nurturesOf('engaged');
    expect(nurtures).toHaveLength(4);
    expect(stepsOf('engaged')).toEqual(['ask-preferences', 'nurture-1', 'nurture-2', 'nurture-3', 'nurture-4']);
    expect(nurtures.map((message) => localTime.format(new Date(message.at)))).toEqual(Array(4).fill('Tue 10:00'));
    // Two weeks apart in local days, across New York's change to summer time.
    const gaps = nurtures.slice(1).map((message, index) => Math.round((Date.parse(message.at) - Date.parse(nurtures[index]?.at ?? '')) / DAY));
    expect(gaps).toEqual([14, 14, 14]);
    expect(outcomes.get('engaged')).toEqual(['exit:series-complete']);
    expect(statuses.get('engaged')).toBe('SUCCEEDED');
    expect(checkReport(scenario, report).map(formatViolation)).toEqual([]);
  });

  it('stops the nurture messages at the first order, which reaches the goal', () => {
    // Assess
    expect(nurturesOf('buyer')).toHaveLength(2);
    expect(stepsOf('buyer')).toEqual(['ask-preferences', 'nurture-1', 'nurture-2']);
    expect(outcomes.get('buyer')).toEqual(['goal:goal']);
    expect(report.customers.find((customer) => customer.id === 'buyer')?.stage).toBe('new_customer');
  });

  it('lets a lead who stopped engaging go: no nurture after 30 days without a sign of them', () => {
    // Assess
    expect(nurturesOf('cold')).toHaveLength(2);
    expect(stepsOf('cold')).toEqual(['ask-preferences', 'nurture-1', 'nurture-2']);
    expect(outcomes.get('cold')).toEqual(['exit:gone-cold']);
    expect(statuses.get('cold')).toBe('SUCCEEDED');
  });
});
