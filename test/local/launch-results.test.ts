/**
 * What a launch did, in S3: the local runtime exports the launcher's batch results as the
 * synthesized template's ResultWriter has Step Functions export them in AWS — to the audience
 * bucket, under `launch-results/<launch id>/<map run id>/`, a `manifest.json` naming
 * `SUCCEEDED_0.json`, which holds each batch's result (COMPACT, one JSON array). Read back with the
 * ordinary S3 client from the S3 emulator, as an operator's script would read them.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { LaunchBatchResult } from '../../lib/ingest/launch-batch';
import { defaultLaunchId, parseAudienceCsv } from '../../lib/local/audience-csv';
import { LocalRuntime } from '../../lib/local/runtime';
import { defineJourney, onAudienceLaunch, reEntry, setStage } from '../../workflows/builder';
import { aProfile } from '../store/fixtures';
import { testOutdir } from './support';

jest.setTimeout(300_000);

const AT = '2026-03-02T09:00:00.000Z';
const JOURNEY = 'results-sale';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

const resultsSale = defineJourney({
  id: JOURNEY,
  name: 'Results sale',
  entry: onAudienceLaunch(reEntry.never),
  steps: [setStage('mark-active', 'active')],
});

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await LocalRuntime.start({ journeys: [resultsSale], start: new Date(AT), seed: 5, outdir: testOutdir('launch-results'), inactivityScan: false });
  for (let index = 0; index < 140; index += 1) await runtime.store.putProfile(aProfile(`c-${index}`));
  await runtime.store.putProfile(aProfile('c-uploaded'));
});

afterAll(async () => {
  await runtime?.close();
});

/** The keys of the audience bucket under `prefix`, sorted. */
async function keysUnder(prefix: string): Promise<string[]> {
  const listed = await runtime.clients.s3.send(new ListObjectsV2Command({ Bucket: runtime.audienceBucket, Prefix: prefix }));
  return (listed.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [object.Key])).sort();
}

/** The text of an object of the audience bucket. */
async function textOf(key: string): Promise<string> {
  const object = await runtime.clients.s3.send(new GetObjectCommand({ Bucket: runtime.audienceBucket, Key: key }));
  return (await object.Body?.transformToString('utf8')) ?? '';
}

/** The launch's manifest and the batch results its SUCCEEDED files hold, found as an operator finds them: by listing the launch's folder. */
async function resultsOf(launchId: string) {
  const keys = await keysUnder(`launch-results/${launchId}/`);
  const manifestKey = keys.find((key) => key.endsWith('/manifest.json'));
  const manifest = JSON.parse(await textOf(manifestKey ?? 'none')) as { ResultFiles: { SUCCEEDED: Array<{ Key: string; Size: number }> } };
  const files = await Promise.all(manifest.ResultFiles.SUCCEEDED.map(async (file) => ({ ...file, text: await textOf(file.Key) })));
  const batches = files.flatMap((file) => JSON.parse(file.text) as LaunchBatchResult[]);
  return { keys, manifestKey, manifest, files, batches };
}

describe('the results of an audience launch on the local runtime', () => {
  it('writes a manifest and SUCCEEDED_0.json under launch-results/<launch id>/<map run id>/ in the audience bucket, as a ResultWriter does', async () => {
    // Prepare: 150 rows, two batches; ten customers without a profile.
    const audience = parseAudienceCsv(`customerId,entryKey\n${Array.from({ length: 150 }, (_, index) => `c-${index},`).join('\n')}\n`);
    const launchId = defaultLaunchId(JOURNEY, audience);

    // Act
    const report = await runtime.launchAudience(JOURNEY, audience, launchId);
    await runtime.quiesce();
    const { keys, manifestKey, manifest, files } = await resultsOf(launchId);

    // Assess
    expect(report).toMatchObject({ outcome: 'launched', customers: 150, started: 140, unknown: 10 });
    expect(keys).toEqual([expect.stringMatching(new RegExp(`^launch-results/${launchId}/${UUID}/SUCCEEDED_0\\.json$`)), manifestKey]);
    const folder = manifestKey?.slice(0, -'/manifest.json'.length);
    expect(manifest).toStrictEqual({
      DestinationBucket: runtime.audienceBucket,
      MapRunArn: expect.stringMatching(new RegExp(`:mapRun:[^:/]+/StartJourneys:${folder?.split('/').pop()}$`)),
      ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: [{ Key: `${folder}/SUCCEEDED_0.json`, Size: Buffer.byteLength(files[0]?.text ?? '', 'utf8') }] },
    });
  });

  it("holds each batch's counts and unknown ids, which add up to the launch's report", async () => {
    // Prepare: 100 customers the first launch entered (the journey never re-enters them), the 10
    // it did not know, who have a profile now, and 5 unknown; in a file without entry keys.
    for (let index = 140; index < 150; index += 1) await runtime.store.putProfile(aProfile(`c-${index}`));
    const audience = parseAudienceCsv(
      `customerId\n${[...Array.from({ length: 110 }, (_, index) => `c-${index + 40}`), 'x-1', 'x-2', 'x-3', 'x-4', 'x-5'].join('\n')}\n`,
    );
    const launchId = defaultLaunchId(JOURNEY, audience);

    // Act
    const report = await runtime.launchAudience(JOURNEY, audience, launchId);
    await runtime.quiesce();
    const { batches } = await resultsOf(launchId);

    // Assess
    if (report.outcome !== 'launched') throw new Error(`expected a launch, got ${report.outcome}`);
    expect(batches).toHaveLength(2);
    batches.forEach((batch) => expect(Object.keys(batch).sort()).toEqual(['alreadyStarted', 'conditionNotMet', 'invalidRows', 'notEligible', 'started', 'unknownCustomers']));
    const sum = (count: (batch: (typeof batches)[number]) => number) => batches.reduce((total, batch) => total + count(batch), 0);
    expect({
      started: sum((batch) => batch.started),
      alreadyStarted: sum((batch) => batch.alreadyStarted),
      notEligible: sum((batch) => batch.notEligible),
      conditionNotMet: sum((batch) => batch.conditionNotMet),
      unknownCustomers: batches.flatMap((batch) => batch.unknownCustomers),
      invalidRows: sum((batch) => batch.invalidRows.length),
    }).toEqual({
      started: report.started,
      alreadyStarted: report.alreadyStarted,
      notEligible: report.notEligible,
      conditionNotMet: report.conditionNotMet,
      unknownCustomers: report.unknownCustomers,
      invalidRows: report.invalidRows,
    });
    expect(report).toMatchObject({ customers: 115, started: 10, notEligible: 100, unknownCustomers: ['x-1', 'x-2', 'x-3', 'x-4', 'x-5'] });
  });

  it('writes the results of a launch started on a file uploaded to the bucket, invalid rows by their place in the batch, never their content', async () => {
    // Prepare
    const audienceKey = `launches/${JOURNEY}/uploaded.csv`;
    await runtime.clients.s3.send(new PutObjectCommand({ Bucket: runtime.audienceBucket, Key: audienceKey, Body: 'customerId,email\nc-uploaded,a@example.com\nnot an id!,b@example.com\nc-nobody,\n' }));

    // Act
    runtime.stepFunctions.startExecution({ stateMachineArn: runtime.launcherArn, name: 'uploaded-launch', input: JSON.stringify({ journey: JOURNEY, audienceKey }) });
    await runtime.stepFunctions.settled();
    await runtime.quiesce();
    const { files, batches } = await resultsOf('uploaded-launch');

    // Assess
    expect(runtime.stepFunctions.describeExecution('uploaded-launch')).toMatchObject({ status: 'SUCCEEDED' });
    expect(batches).toStrictEqual([{ started: 1, alreadyStarted: 0, notEligible: 0, conditionNotMet: 0, unknownCustomers: ['c-nobody'], invalidRows: [1] }]);
    expect(files.map((file) => file.text).join('')).not.toMatch(/example\.com|not an id/);
  });
});
