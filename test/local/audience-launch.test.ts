/**
 * Audience launches on the local runtime, through the launcher of the synthesized template (its
 * Distributed Map's JSONata ItemSelector, evaluated as AWS evaluates it) and the launch worker's
 * code, on the real emulators: a row's entry key is what its customer enters under, and an empty
 * one or a file without the column stands for the launch id; only the customer id and the entry
 * key of a row reach an execution, whatever else the file holds; and a file whose header does not
 * name the customerId column fails the launch, as it fails the Map in AWS.
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
  for (const customerId of ['c-keyed', 'c-plain', 'c-old-file', 'c-bucket', 'c-vip', 'c-extra', 'c-no-id']) await runtime.store.putProfile(aProfile(customerId));
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

/** The input of the journey's execution named `name`, as it was started. */
function inputOf(name: string): unknown {
  return JSON.parse(runtime.stepFunctions.describeExecution(name).input);
}

/**
 * Puts `body` in the audience bucket as a marketer (or an operator's schedule) would, not through
 * `overture launch`, and runs the launcher on it under `launchId`, as StartExecution does.
 */
async function launchFromBucket(launchId: string, body: string) {
  const audienceKey = `launches/${JOURNEY}/${launchId}.csv`;
  await runtime.clients.s3.send(new PutObjectCommand({ Bucket: runtime.audienceBucket, Key: audienceKey, Body: body }));
  runtime.stepFunctions.startExecution({ stateMachineArn: runtime.launcherArn, name: launchId, input: JSON.stringify({ journey: JOURNEY, audienceKey }) });
  await runtime.stepFunctions.settled();
  await runtime.quiesce();
  return runtime.stepFunctions.describeExecution(launchId);
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

  it('launches a file uploaded straight to the bucket without the entryKey column, each customer under the launch id', async () => {
    // Act: the format audience files had before entry keys, as a scheduled audience file may still be.
    const launch = await launchFromBucket('uploaded', 'customerId\nc-bucket\n');

    // Assess
    expect(launch).toMatchObject({ status: 'SUCCEEDED' });
    expect(executionsOf('c-bucket')).toEqual(['flash-sale-c-bucket-uploaded']);
    expect(inputOf('flash-sale-c-bucket-uploaded')).toEqual({ customerId: 'c-bucket', journey: JOURNEY, entryKey: 'uploaded', enteredAt: launch.startDate, launched: true });
  });

  it("enters a customer of a file uploaded to the bucket under its row's entry key, and one whose row leaves it empty under the launch id", async () => {
    // Act
    const launch = await launchFromBucket('uploaded-keyed', 'entryKey,customerId\nvip-preview,c-vip\n,c-bucket\n');

    // Assess
    expect(launch).toMatchObject({ status: 'SUCCEEDED' });
    expect(executionsOf('c-vip')).toEqual(['flash-sale-c-vip-vip-preview']);
    expect(executionsOf('c-bucket')).toEqual(['flash-sale-c-bucket-uploaded', 'flash-sale-c-bucket-uploaded-keyed']);
  });

  it('passes only the customer id and the entry key of a row on: another column of the file never reaches an execution', async () => {
    // Act
    const launch = await launchFromBucket('with-email', 'customerId,email,entryKey\nc-extra,someone@example.com,spring-2026\n');

    // Assess
    expect(launch).toMatchObject({ status: 'SUCCEEDED' });
    expect(executionsOf('c-extra')).toEqual(['flash-sale-c-extra-spring-2026']);
    expect(inputOf('flash-sale-c-extra-spring-2026')).toStrictEqual({ customerId: 'c-extra', journey: JOURNEY, entryKey: 'spring-2026', enteredAt: launch.startDate, launched: true });
    expect(runtime.stepFunctions.describeExecution('flash-sale-c-extra-spring-2026').input).not.toContain('someone@example.com');
  });

  it('fails a launch whose file in the bucket does not name the customerId column, as the Distributed Map does, starting nobody', async () => {
    // Act
    const launch = await launchFromBucket('no-customer-column', 'customer,entryKey\nc-no-id,spring-2026\n');

    // Assess
    expect(launch).toMatchObject({ status: 'FAILED', error: 'States.QueryEvaluationError' });
    expect(executionsOf('c-no-id')).toEqual([]);
  });
});
