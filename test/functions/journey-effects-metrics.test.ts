/**
 * The metrics the journeyEffects function (functions/journey-effects) writes, as the alarms of
 * lib/constructs/operations.ts read them, with the handler run against dynalite.
 */
import type { Context } from 'aws-lambda';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { useLambdaEnvironment } from '../support/lambda-environment';
import { stdoutOfAsync } from '../support/stdout';

/** One EMF line: its directive and the values of its dimensions and metrics. */
interface EmfLine {
  readonly _aws: { readonly CloudWatchMetrics: ReadonlyArray<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
  readonly [key: string]: unknown;
}

/** The EMF lines among what the handler wrote (its log lines are silenced). */
function emfLines(written: string): EmfLine[] {
  return written
    .split('\n')
    .filter((line) => line.includes('"CloudWatchMetrics"'))
    .map((line) => JSON.parse(line) as EmfLine);
}

let dynalite: DynaliteHarness;
let restoreEnvironment: () => void;
let handler: (event: unknown, context: Context) => Promise<unknown>;

beforeAll(async () => {
  dynalite = await startDynalite();
  const tableName = await createCustomerTable(dynalite.client, 'journey-effects-metrics');
  restoreEnvironment = useLambdaEnvironment({
    CUSTOMER_TABLE_NAME: tableName,
    AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    POWERTOOLS_METRICS_DISABLED: 'false',
  });
  ({ handler } = await import('../../functions/journey-effects/index'));
});

afterAll(async () => {
  restoreEnvironment();
  await dynalite.stop();
});

describe('journeyEffects metrics', () => {
  it('counts a send step failed after its retries per journey, and once more across journeys for the one alarm that watches them all', async () => {
    // Prepare: what a journey's `<step>.failed` state passes (lib/journeys/compile.ts)
    const event = {
      customerId: 'cust-send-failed',
      journey: 'welcome',
      step: 'welcome-email',
      execution: 'welcome-cust-send-failed-signup-1',
      action: 'sendFailed',
      error: 'Lambda.TooManyRequestsException',
    };

    // Act
    const { written } = await stdoutOfAsync(() => handler(event, { functionName: 'journey-effects', awsRequestId: 'req-1' } as Context));

    // Assess: namespace Overture, service journey-effects, with and without the journey
    const sendFailed = emfLines(written)
      .filter((line) => line._aws.CloudWatchMetrics.some((directive) => directive.Metrics.some((metric) => metric.Name === 'journey_sendFailed')))
      .map((line) => ({
        namespace: line._aws.CloudWatchMetrics[0]?.Namespace,
        dimensions: Object.fromEntries((line._aws.CloudWatchMetrics[0]?.Dimensions[0] ?? []).map((name) => [name, line[name]])),
        value: line.journey_sendFailed,
      }));
    expect(sendFailed).toEqual(
      expect.arrayContaining([
        { namespace: 'Overture', dimensions: { service: 'journey-effects', journey: 'welcome' }, value: 1 },
        { namespace: 'Overture', dimensions: { service: 'journey-effects' }, value: 1 },
      ]),
    );
    expect(sendFailed).toHaveLength(2);
  });
});
