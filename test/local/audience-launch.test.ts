/**
 * Audience launches on the local runtime, through the launcher of the synthesized template (its
 * Distributed Map's ItemSelector) and the launch worker's code, on the real emulators: a row's
 * entry key is what its customer enters under, an empty one or a file without the column stands
 * for the launch id, and a file in the bucket whose header lacks a column the ItemSelector reads
 * fails the launch, as it fails the Map in AWS.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { defaultLaunchId, parseAudienceCsv } from '../../lib/local/audience-csv';
import { LocalRuntime } from '../../lib/local/runtime';
import { defineJourney, onAudienceLaunch, reEntry, setStage } from '../../workflows/builder';
import { aProfile } from '../store/fixtures';
import { testOutdir } from './support';

jest.setTimeout(300_000);

const AT = '2026-03-02T09:00:00.000Z';
const JOURNEY = 'flash-sale';

/** A journey a customer may enter as often as it is launched for them. */
const flashSale = defineJourney({
  id: JOURNEY,
  name: 'Flash sale',
  entry: onAudienceLaunch(reEntry.always),
  steps: [setStage('mark-active', 'active')],
});

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await LocalRuntime.start({ journeys: [flashSale], start: new Date(AT), seed: 3, outdir: testOutdir('audience-launch'), inactivityScan: false });
  for (const customerId of ['c-keyed', 'c-plain', 'c-old-file', 'c-bucket']) await runtime.store.putProfile(aProfile(customerId));
});

afterAll(async () => {
  await runtime?.close();
});

/** Launches `csv` under its default launch id, as `overture launch` does. */
async function launch(csv: string) {
  const audience = parseAudienceCsv(csv);
  expect(audience.issues).toEqual([]);
  const report = await runtime.launchAudience(JOURNEY, audience, defaultLaunchId(JOURNEY, audience));
  await runtime.quiesce();
  return report;
}

/** The names of the journey's executions for `customerId`, in order of start. */
function executionsOf(customerId: string): string[] {
  return runtime.stepFunctions
    .listExecutions()
    .map((record) => record.name)
    .filter((name) => name.startsWith(`${JOURNEY}-${customerId}-`));
}

describe('an audience launch on the local runtime', () => {
  it("enters a customer under its row's entry key, and one whose row leaves it empty under the launch id", async () => {
    // Act
    const report = await launch('customerId,entryKey\nc-keyed,spring-2026\nc-plain,\n');

    // Assess
    expect(report).toMatchObject({ outcome: 'launched', customers: 2, started: 2, invalidRows: 0 });
    expect(executionsOf('c-keyed')).toEqual(['flash-sale-c-keyed-spring-2026']);
    expect(executionsOf('c-plain')).toEqual([`flash-sale-c-plain-${report.launch}`]);
  });

  it('enters the same customer again under another entry key: another launch, not a repeat of the first', async () => {
    // Act
    const report = await launch('customerId,entryKey\nc-keyed,summer-2026\n');

    // Assess
    expect(report).toMatchObject({ outcome: 'launched', customers: 1, started: 1, alreadyStarted: 0 });
    expect(executionsOf('c-keyed')).toEqual(['flash-sale-c-keyed-spring-2026', 'flash-sale-c-keyed-summer-2026']);
  });

  it('starts nothing twice for an entry key a customer entered under, whatever the launch id', async () => {
    // Prepare
    const audience = parseAudienceCsv('customerId,entryKey\nc-keyed,spring-2026\n');

    // Act
    const report = await runtime.launchAudience(JOURNEY, audience, 'spring-relaunch');
    await runtime.quiesce();

    // Assess
    expect(report).toMatchObject({ outcome: 'launched', launch: 'spring-relaunch', started: 0, alreadyStarted: 1 });
    expect(executionsOf('c-keyed')).toEqual(['flash-sale-c-keyed-spring-2026', 'flash-sale-c-keyed-summer-2026']);
  });

  it('launches a file without the entryKey column, each customer under the launch id', async () => {
    // Act
    const report = await launch('customerId\nc-old-file\n');

    // Assess
    expect(report).toMatchObject({ outcome: 'launched', customers: 1, started: 1 });
    expect(executionsOf('c-old-file')).toEqual([`flash-sale-c-old-file-${report.launch}`]);
  });

  it('fails a launch whose file in the bucket does not name the entryKey column, as the Distributed Map does, starting nobody', async () => {
    // Prepare: a file put in the bucket directly, not through overture launch.
    const audienceKey = `launches/${JOURNEY}/uploaded.csv`;
    await runtime.clients.s3.send(new PutObjectCommand({ Bucket: runtime.audienceBucket, Key: audienceKey, Body: 'customerId\nc-bucket\n' }));

    // Act
    runtime.stepFunctions.startExecution({ stateMachineArn: runtime.launcherArn, name: 'uploaded', input: JSON.stringify({ journey: JOURNEY, audienceKey }) });
    await runtime.stepFunctions.settled();

    // Assess
    expect(runtime.stepFunctions.describeExecution('uploaded')).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(executionsOf('c-bucket')).toEqual([]);
  });
});
