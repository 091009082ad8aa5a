/**
 * A scheduled journey's run, delivered twice: EventBridge Scheduler delivers to its target at
 * least once, and retries a StartExecution whose answer it did not get (the schedule's
 * `retryAttempts`), while Step Functions names each execution it starts for Scheduler anew. Both
 * launcher executions of one run must still be one launch: a customer of a journey that re-enters
 * `always` (a weekly digest) gets the run's messages once, not once per delivery.
 *
 * The schedule's target input is read from the synthesized stack and filled in as Scheduler fills
 * its context attributes; the launcher is the local runtime's, from the synthesized template.
 */
import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { scheduledAudienceKey } from '../../lib/constructs/scheduled-triggers';
import { LocalRuntime } from '../../lib/local/runtime';
import { CATALOG } from '../../workflows';
import { defineJourney, onSchedule, reEntry, setStage } from '../../workflows/builder';
import { resourcesOfType } from '../cdk/template-queries';
import { synthesizeOverture } from '../cdk/synthesize';
import { aProfile } from '../store/fixtures';
import { testOutdir } from './support';

jest.setTimeout(300_000);

const JOURNEY = 'weekly-digest';
const TIPS = 'weekly-tips';

/** A journey every customer of its audience enters at every run of its schedule. */
const weeklyDigest = defineJourney({
  id: JOURNEY,
  name: 'Weekly digest',
  entry: onSchedule('cron(0 10 ? * MON *)', reEntry.always, 'Europe/Paris'),
  steps: [setStage('mark-active', 'active')],
});

/** A weekly journey a customer enters again once seven days have passed: at every run. */
const weeklyTips = defineJourney({
  id: TIPS,
  name: 'Weekly tips',
  entry: onSchedule('cron(0 9 ? * MON *)', reEntry.afterDays(7)),
  steps: [setStage('mark-active', 'active')],
});

let runtime: LocalRuntime;
/** Each journey's schedule target input as the template has it, context attributes unfilled. */
const scheduleInputs = new Map<string, string>();

beforeAll(async () => {
  const { template } = synthesizeOverture({ journeys: [...CATALOG, weeklyDigest, weeklyTips] });
  const inputs = Object.values(resourcesOfType(template, 'AWS::Scheduler::Schedule'))
    .map((schedule) => (schedule.Properties as { Target: { Input?: unknown } }).Target.Input)
    .filter((input): input is string => typeof input === 'string');
  for (const journey of [JOURNEY, TIPS]) {
    const ofJourney = inputs.filter((input) => input.includes(scheduledAudienceKey(journey)));
    expect(ofJourney).toHaveLength(1);
    scheduleInputs.set(journey, ofJourney[0] as string);
  }

  runtime = await LocalRuntime.start({ journeys: [weeklyDigest, weeklyTips], start: new Date('2026-03-02T09:00:00.000Z'), seed: 5, outdir: testOutdir('scheduled-launch'), inactivityScan: false });
  for (const [journey, customerId] of [[JOURNEY, 'c-reader'], [TIPS, 'c-learner']] as const) {
    await runtime.store.putProfile(aProfile(customerId));
    await runtime.clients.s3.send(
      new PutObjectCommand({ Bucket: runtime.audienceBucket, Key: scheduledAudienceKey(journey), Body: `customerId\n${customerId}\n` }),
    );
  }
});

afterAll(async () => {
  await runtime?.close();
});

/**
 * Delivers the schedule's run at `scheduledTime` as Scheduler does: the launcher started `lateMs`
 * after that time, under a name of Step Functions' choosing.
 */
async function deliverRun(scheduledTime: string, options: { journey?: string; lateMs?: number } = {}): Promise<void> {
  runtime.clock.moveTo(Date.parse(scheduledTime) + (options.lateMs ?? 0));
  const input = (scheduleInputs.get(options.journey ?? JOURNEY) ?? '').replaceAll('<aws.scheduler.scheduled-time>', scheduledTime);
  const name = randomUUID();
  runtime.stepFunctions.startExecution({ stateMachineArn: runtime.launcherArn, name, input });
  await runtime.stepFunctions.settled();
  await runtime.quiesce();
  expect(runtime.stepFunctions.describeExecution(name)).toMatchObject({ status: 'SUCCEEDED' });
}

function executionsOf(customerId: string, journey = JOURNEY): string[] {
  return runtime.stepFunctions
    .listExecutions()
    .map((record) => record.name)
    .filter((name) => name.startsWith(`${journey}-${customerId}-`));
}

describe('a scheduled launch', () => {
  it('enters each customer once per run of the schedule, however often Scheduler delivers the run', async () => {
    // Act: the run of Monday 2 March, delivered twice.
    await deliverRun('2026-03-02T09:00:00Z');
    await deliverRun('2026-03-02T09:00:00Z');

    // Assess
    expect(executionsOf('c-reader')).toHaveLength(1);
  });

  it("enters the customer again at the schedule's next run", async () => {
    // Act
    await deliverRun('2026-03-09T09:00:00Z');

    // Assess
    expect(executionsOf('c-reader')).toHaveLength(2);
  });

  it('enters the customer of an afterDays(7) journey at each weekly run, however many seconds late each run started', async () => {
    // Act: this week's run started sooner after the hour than last week's.
    await deliverRun('2026-03-16T09:00:00Z', { journey: TIPS, lateMs: 3_000 });
    await deliverRun('2026-03-23T09:00:00Z', { journey: TIPS, lateMs: 1_000 });

    // Assess
    expect(executionsOf('c-learner', TIPS)).toHaveLength(2);
  });
});
