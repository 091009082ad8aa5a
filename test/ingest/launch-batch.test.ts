import { launchBatch, UnknownJourneyError, type LaunchBatch } from '../../lib/ingest/launch-batch';
import { routesOf } from '../../lib/ingest/journey-routes';
import { CATALOG } from '../../workflows';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { fakeStepFunctions } from './fake-step-functions';

const sfn = fakeStepFunctions();
const arnOf = (journey: string) => `arn:aws:states:us-east-1:111122223333:stateMachine:${journey}`;
const routes = routesOf(CATALOG, arnOf);

let dynamo: DynaliteHarness;
let tableName: string;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.stop());
beforeEach(async () => {
  sfn.reset();
  tableName = await createCustomerTable(dynamo.client, 'launch');
});

function batch(journey: string, items: Record<string, unknown>[], launchId = 'spring-2026'): LaunchBatch {
  return { BatchInput: { journey, launchId, launchedAt: '2026-03-02T09:00:00Z' }, Items: items };
}

const ports = () => ({ dynamodb: dynamo.client, sfn: sfn.client, tableName, routes });

describe('launchBatch', () => {
  it('starts the journey for every row, entered under the launch id, with ids only', async () => {
    // Act
    const result = await launchBatch(ports(), batch('loyalty', [{ customerId: 'c-001' }, { customerId: 'c-002' }]));

    // Assess
    expect(result).toEqual({ started: 2, alreadyStarted: 0, notEligible: 0, invalidRows: [] });
    expect(sfn.started).toEqual([
      { stateMachineArn: arnOf('loyalty'), name: 'loyalty-c-001-spring-2026', input: '{"customerId":"c-001","journey":"loyalty","entryKey":"spring-2026"}' },
      { stateMachineArn: arnOf('loyalty'), name: 'loyalty-c-002-spring-2026', input: '{"customerId":"c-002","journey":"loyalty","entryKey":"spring-2026"}' },
    ]);
  });

  it('starts nothing twice when the same launch runs again (a redriven batch or a relaunch)', async () => {
    // Prepare
    await launchBatch(ports(), batch('loyalty', [{ customerId: 'c-001' }]));

    // Act
    const again = await launchBatch(ports(), batch('loyalty', [{ customerId: 'c-001' }]));

    // Assess
    expect(again).toEqual({ started: 0, alreadyStarted: 1, notEligible: 0, invalidRows: [] });
    expect(sfn.started).toHaveLength(1);
  });

  it('applies the journey\'s re-entry rule across launches', async () => {
    // Prepare
    await launchBatch(ports(), batch('win-back', [{ customerId: 'c-001' }], 'inactive-win-back-20251201'));

    // Act
    const secondLapse = await launchBatch(ports(), batch('win-back', [{ customerId: 'c-001' }], 'inactive-win-back-20251202'));

    // Assess
    expect(sfn.started.map((start) => start.name)).toEqual(['win-back-c-001-inactive-win-back-20251201']);
    expect(secondLapse.notEligible).toBe(1);
  });

  it('counts rows without a valid customer id by index and starts the rest', async () => {
    // Act
    const result = await launchBatch(ports(), batch('loyalty', [{ customerId: 'not valid!' }, { customerId: 'c-001' }, {}]));

    // Assess
    expect(result).toEqual({ started: 1, alreadyStarted: 0, notEligible: 0, invalidRows: [0, 2] });
  });

  it('fails the batch when the journey is not deployed, naming it', async () => {
    await expect(launchBatch(ports(), batch('no-such-journey', [{ customerId: 'c-001' }]))).rejects.toThrow(
      new UnknownJourneyError('no-such-journey'),
    );
  });
});
