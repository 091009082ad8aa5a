/**
 * Each Lambda function's IAM grants, as synthesized, cover every AWS request its code really makes.
 *
 * security.test.ts holds the grants to a hand-written list; nothing there says the list matches
 * the code, and a mismatch shows only on AWS, as AccessDenied: the feedback function was granted
 * PutItem while its suppressions had become transactions holding an UpdateItem, and the
 * journeyEffects function lacked the GetItem of a stage change whose condition fails. Here the nine
 * Lambda entries (functions/*) run as deployed — module-level clients, environment read once —
 * against the local emulators: dynalite, aws-ses-v2-local, fauxqs (SQS and S3), the local Step
 * Functions of lib/local behind its HTTP endpoint, and a stand-in for Secrets Manager and End User
 * Messaging SMS, which have no emulator. Journeys run from the synthesized ASL with their Task
 * states bound to the send, waitForEvent and journeyEffects entries; the ingest entry starts and
 * resumes them; the inactivity scan starts a launcher whose Distributed Map hands the audience to
 * the launch entry. Every request each function sends is recorded (test/support/aws-requests.ts)
 * and mapped to the IAM actions it needs — a transaction to the actions of the items it holds —
 * and the last tests check them against the statements of that function's role in the template.
 *
 * The flows are tests of their own, each asserting that it did the work it names (writes and
 * conditional failures included); the grant checks read what they recorded, so they run last.
 */
import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { IConstruct } from 'constructs';
import type { OvertureStack } from '../../lib/overture-stack';
import { localLambdaContext, serveApiGatewayHandler, type LocalApiServer } from '../../lib/consent-api';
import { deferredLapseRecordKey } from '../../lib/ingest/deferred-lapses';
import { journeyRoutesVariable, routesOf } from '../../lib/ingest/journey-routes';
import { waitingTasks } from '../../lib/ingest/task-tokens';
import type { AslDefinition } from '../../lib/journeys/asl';
import { bucketOf } from '../../lib/journeys/effects';
import type { JourneyEffectsOutput } from '../../lib/journeys/effects-contract';
import {
  journeyDefinitionsFromTemplate,
  LocalJourneyRunner,
  pauseOverrides,
  WaitForEventTimeoutError,
  type JourneyTaskHandlers,
} from '../../lib/journeys/local-bindings';
import type { SendStepResult } from '../../lib/journeys/send-contract';
import type { LaunchBatchResult } from '../../lib/ingest/launch-batch';
import { LAUNCH_BATCH_SIZE } from '../../lib/ingest/launch-sizing';
import { runLauncher } from '../../lib/local/launcher';
import { localStateMachineArn, LocalStepFunctions, type RunningExecution } from '../../lib/local/step-functions';
import { startStepFunctionsServer, type StepFunctionsServer } from '../../lib/local/step-functions-server';
import { localResources } from '../../lib/local/template';
import { WorkQueue } from '../../lib/local/work-queue';
import { CustomerStore } from '../../lib/store/customer-store';
import { itemKeys } from '../../lib/store/item-keys';
import { customersHoldingPhone } from '../../lib/store/phone-index';
import { sendSlotKey } from '../../lib/store/send-slots';
import { PARTITION_KEY, SORT_KEY } from '../../lib/store/table-design';
import { signToken, type TokenPurpose } from '../../lib/unsubscribe';
import { CATALOG } from '../../workflows';
import { WIN_BACK_INACTIVE_DAYS } from '../../workflows/catalog/win-back';
import { synthesizeOverture, type SynthesizedOverture } from '../cdk/synthesize';
import { actionsOf, logicalIdOf, resolveIntrinsics, resourcesOf, roleOfFunction, statementsOfRole, type PolicyStatementJson } from '../cdk/template-queries';
import { AwsRequestRecorder, iamNeedsOf, type IamNeed } from '../support/aws-requests';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { resolveLocalhostNames, startFauxqs, type Fauxqs } from '../support/fauxqs';
import { useLambdaEnvironment } from '../support/lambda-environment';
import { startSesLocal, type SesLocal } from '../support/ses-local';
import { startStandInAws, type StandInAws } from '../support/stand-in-aws';
import { inboundSmsEvent } from '../support/inbound-sms';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

/** A Lambda entry's handler, whatever its event type. */
type LambdaHandler = (event: never, context: Context) => Promise<unknown>;

/** Every function of the stack: the construct that deploys it and the entry (functions/*) it runs. */
const FUNCTIONS = {
  send: { of: (stack: OvertureStack) => stack.delivery.sendFunction, entry: () => import('../../functions/send/index') },
  ingest: { of: (stack: OvertureStack) => stack.events.ingestFunction, entry: () => import('../../functions/ingest/index') },
  launch: { of: (stack: OvertureStack) => stack.launcher.launchFunction, entry: () => import('../../functions/launcher/index') },
  waitForEvent: { of: (stack: OvertureStack) => stack.journeys.waitForEventFunction, entry: () => import('../../functions/wait-for-event/index') },
  journeyEffects: { of: (stack: OvertureStack) => stack.journeys.journeyEffectsFunction, entry: () => import('../../functions/journey-effects/index') },
  inactivityScan: { of: (stack: OvertureStack) => stack.schedules.inactivityScanFunction, entry: () => import('../../functions/launcher/inactivity-scan') },
  feedback: { of: (stack: OvertureStack) => stack.feedback.feedbackFunction, entry: () => import('../../functions/feedback/index') },
  consentApi: { of: (stack: OvertureStack) => stack.consent.apiFunction, entry: () => import('../../functions/consent-api/index') },
  smsInbound: { of: (stack: OvertureStack) => stack.consent.inboundSmsFunction, entry: () => import('../../functions/sms-inbound/index') },
} satisfies Record<string, { of: (stack: OvertureStack) => IConstruct; entry: () => Promise<{ handler: LambdaHandler }> }>;
type FunctionName = keyof typeof FUNCTIONS;
const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

/** The deployed stack's settings, as security.test.ts synthesizes it. */
const PROD_CONTEXT = {
  'overture:environment': 'prod',
  'overture:fromAddress': 'hello@mail.example.com',
  'overture:sendingIdentity': 'mail.example.com',
  'overture:smsOriginationIdentity': 'pool-0123456789abcdef0123456789abcdef',
  'overture:smsBrand': 'Example',
  'overture:publicBaseUrl': 'https://preferences.example.com',
};
const LINK_SECRET_ID = 'overture/iam-grants/link-key';
const LINK_SECRET = 'iam-grants-test-link-signing-secret-0123456789';
const LAUNCHER_ARN = localStateMachineArn('launcher');
const AUDIENCE_BUCKET = 'overture-audiences';
const DAY_MS = 86_400_000;

/** How a wait for an event ends, per `<customerId>/<step>`; a wait not listed times out. */
type WaitEnding = 'event_comes' | 'event_came_before_the_token' | 'times_out';

const recorder = new AwsRequestRecorder();
const waitEndings = new Map<string, WaitEnding>();
const handlers = {} as Record<FunctionName, LambdaHandler>;
let synthesized: SynthesizedOverture;
let dynamo: DynaliteHarness;
let ses: SesLocal;
let fauxqs: Fauxqs;
let standIn: StandInAws;
let stepFunctions: LocalStepFunctions;
let sfnServer: StepFunctionsServer;
let api: LocalApiServer;
let tableName: string;
let store: CustomerStore;
let s3: S3Client;
let directMailQueueUrl: string;
let deadLetterQueueUrl: string;
let zone: string;
let restoreEnvironment: () => void;
let restoreResolver: () => void;

/** Runs one invocation of a function's Lambda handler; its requests are recorded as the function's. */
function invoke<Result>(fn: FunctionName, event: unknown): Promise<Result> {
  return recorder.invoke(fn, () => handlers[fn](event as never, localLambdaContext(fn))) as Promise<Result>;
}

/**
 * Runs `invocation` with `write`, the test's own, landing just before the invocation's first write
 * to the table (after its reads): another writer's change between a function's read and its write.
 * `write` is chained outside the invocation, so its requests are the test's, not the function's.
 */
async function withWriteBeforeFirstWrite<Result>(invocation: () => Promise<Result>, write: () => Promise<unknown>): Promise<Result> {
  let arrived = (): void => undefined;
  const atFirstWrite = new Promise<void>((resolve) => (arrived = resolve));
  const written = atFirstWrite.then(write);
  const base = Object.getPrototypeOf(DynamoDBClient.prototype) as { send(command: object, ...rest: unknown[]): Promise<unknown> };
  const send = base.send;
  let pending = true;
  base.send = async function sendAfterTheRacingWrite(this: unknown, command: object, ...rest: unknown[]) {
    if (pending && /^(PutItem|UpdateItem|DeleteItem|TransactWriteItems|BatchWriteItem)Command$/.test(command.constructor.name)) {
      pending = false;
      arrived();
      await written;
    }
    return send.call(this, command, ...rest);
  };
  try {
    return await invocation();
  } finally {
    base.send = send;
  }
}

/** Time zones a whole number of hours apart, covering every hour of the day. */
const ZONES = [
  'Pacific/Pago_Pago', 'Pacific/Honolulu', 'America/Anchorage', 'America/Los_Angeles', 'America/Denver', 'America/Chicago',
  'America/New_York', 'America/Halifax', 'America/Sao_Paulo', 'Atlantic/South_Georgia', 'Atlantic/Cape_Verde', 'UTC',
  'Europe/Berlin', 'Africa/Cairo', 'Europe/Moscow', 'Asia/Dubai', 'Asia/Karachi', 'Asia/Dhaka',
  'Asia/Bangkok', 'Asia/Shanghai', 'Asia/Tokyo', 'Australia/Brisbane', 'Pacific/Noumea', 'Pacific/Auckland',
];

/**
 * The zone of {@link ZONES} where it is nearest 14:00 at `now`: its customers may get marketing
 * texts at once (legal hours 08:00–21:00), so the clock defers no send of the journeys run here,
 * whenever the test runs.
 */
function earlyAfternoonZone(now: Date): string {
  const distance = (candidate: string) => {
    const hour = Number(new Intl.DateTimeFormat('en-US', { timeZone: candidate, hour: 'numeric', hourCycle: 'h23' }).format(now));
    return Math.abs(hour - 14);
  };
  return ZONES.reduce((best, candidate) => (distance(candidate) < distance(best) ? candidate : best));
}

let eventSequence = 0;

/** A customer event as the bus delivers it to ingest. */
function customerEvent(name: string, detail: Record<string, unknown> & { customerId: string }, at: Date = new Date()): Record<string, unknown> {
  eventSequence += 1;
  return { id: `eb-${eventSequence}`, 'detail-type': name, source: 'overture.test', time: at.toISOString(), detail: { eventId: `event-${eventSequence}`, ...detail } };
}

let phoneSequence = 0;

/** A fresh E.164 number. */
function newPhone(): string {
  phoneSequence += 1;
  return `+1212555${String(1000 + phoneSequence)}`;
}

/** The event fields of a customer with an email address, a phone, a postal address and the given marketing consents. */
function enrolled(customerId: string, options: { phone?: string; consents?: readonly ('email' | 'sms' | 'mail')[]; preferences?: Record<string, unknown> } = {}) {
  const consents = options.consents ?? ['email', 'sms', 'mail'];
  return {
    customerId,
    profile: {
      timezone: zone,
      email: `${customerId}@example.com`,
      phone: options.phone ?? newPhone(),
      address: { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'US' },
    },
    ...(consents.length === 0 ? {} : { consents: consents.map((channel) => ({ channel, topic: 'marketing', status: 'granted', proof: { source: 'web-form' } })) }),
    ...(options.preferences === undefined ? {} : { preferences: options.preferences }),
  };
}

/** A link token as the send function and the consent API sign them. */
function token(customerId: string, purpose: TokenPurpose, channel: 'email' | 'sms' = 'email'): string {
  return signToken({ customerId, purpose, channel, topic: 'marketing' }, LINK_SECRET, { now: new Date(), ttlSeconds: 3600 });
}

/** The Task handlers of one journey execution: the Lambda entries, and waits ended as `waitEndings` says. */
function journeyTasks(): JourneyTaskHandlers {
  let waits = 0;
  return {
    send: (payload) => invoke<SendStepResult>('send', payload),
    journeyEffects: (payload) => invoke<JourneyEffectsOutput>('journeyEffects', payload),
    waitForEvent: async (payload) => {
      waits += 1;
      // One token per wait, as Step Functions gives (the interpreter has one per execution).
      const taskToken = `${payload.taskToken}:${waits}`;
      const resumed = stepFunctions.waitForToken(taskToken, payload.execution);
      const ending = waitEndings.get(`${payload.customerId}/${payload.step}`) ?? 'times_out';
      const awaited = () => invoke('ingest', customerEvent(payload.event, { customerId: payload.customerId }));
      if (ending === 'event_came_before_the_token') await awaited();
      await invoke('waitForEvent', { ...payload, taskToken });
      if (ending === 'event_comes') await awaited();
      if (ending === 'times_out') {
        stepFunctions.releaseToken(taskToken);
        throw new WaitForEventTimeoutError();
      }
      return resumed;
    },
  };
}

/** Registers every catalog journey (ASL from the template) and the audience launcher with the local Step Functions. */
function addStateMachines(definitions: ReadonlyMap<string, AslDefinition>): void {
  for (const [journey, definition] of definitions) {
    const runner = new LocalJourneyRunner(definition);
    const waitsAtOnce = pauseOverrides(definition, 0);
    stepFunctions.addStateMachine({
      arn: localStateMachineArn(journey),
      journey,
      definition,
      runner: async (execution: RunningExecution) => {
        const input = execution.input as { customerId: string; journey: string; entryKey: string };
        const { output, transitions } = await runner.run(input, journeyTasks(), { name: execution.name, startTime: execution.startDate }, waitsAtOnce);
        // The last state entered is where the execution ended (executionEnds).
        transitions.forEach((state) => execution.enteredState(state));
        return output;
      },
    });
  }
  // The launcher's Distributed Map (Step Functions' own work, under its own role), as the
  // synthesized template defines it and lib/local runs it: each batch goes to the launch entry.
  const { stack, assembly } = synthesized;
  const templates = new Map([[stack.stackName, assembly.getStackArtifact(stack.artifactId).template]]);
  const launcher = localResources({ outdir: assembly.directory, templates }).launchers[0];
  const writer = launcher?.resultWriter;
  if (writer !== undefined && writer.bucketLogicalId !== launcher?.bucketLogicalId) throw new Error(`the launcher's ResultWriter names ${writer.bucketLogicalId}, not the audience bucket`);
  const work = new WorkQueue();
  stepFunctions.addStateMachine({
    arn: LAUNCHER_ARN,
    definition: { Comment: 'audience launcher (its Distributed Map, run by lib/local)', QueryLanguage: 'JSONPath', StartAt: 'launch', States: {} },
    runner: (execution) =>
      runLauncher(
        execution,
        {
          s3,
          audienceBucket: AUDIENCE_BUCKET,
          batchSize: launcher?.batchSize ?? LAUNCH_BATCH_SIZE,
          stateMachineArn: LAUNCHER_ARN,
          map: launcher,
          resultExport: writer && { bucket: AUDIENCE_BUCKET, prefix: writer.prefix, transformation: writer.transformation },
          work,
          runBatch: (batch) => invoke<LaunchBatchResult>('launch', batch),
        },
        () => undefined,
      ),
  });
}

/** The item under `key` in the customer table, read by the test's own client; undefined when there is none. */
async function itemAt(key: Record<string, AttributeValue>): Promise<Record<string, AttributeValue> | undefined> {
  return (await dynamo.client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
}

/** Every journey execution that succeeded, `<journey>:<customer>` → the state it ended in. */
function executionEnds(): Record<string, string> {
  return Object.fromEntries(
    stepFunctions
      .listExecutions({ status: 'SUCCEEDED' })
      .filter((record) => record.journey !== undefined)
      .map((record) => [`${record.journey}:${(JSON.parse(record.input) as { customerId: string }).customerId}`, String(record.currentState)]),
  );
}

/** Every execution that did not succeed, with its error. */
function failedExecutions(): string[] {
  return stepFunctions
    .listExecutions()
    .filter((record) => record.status !== 'SUCCEEDED')
    .map((record) => `${record.name}: ${record.status} ${record.error ?? ''}`);
}

beforeAll(async () => {
  synthesized = synthesizeOverture({ context: PROD_CONTEXT });
  [dynamo, ses, fauxqs, standIn] = await Promise.all([startDynalite(), startSesLocal(), startFauxqs(), startStandInAws({ [LINK_SECRET_ID]: LINK_SECRET })]);
  for (const client of [dynamo.client, ses.client, fauxqs.sqs]) recorder.ownedByTest(client);
  tableName = await createCustomerTable(dynamo.client, 'iam-grants');
  store = new CustomerStore({ client: dynamo.client, tableName });
  s3 = recorder.ownedByTest(new S3Client({ region: 'us-east-1', endpoint: fauxqs.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
  await s3.send(new CreateBucketCommand({ Bucket: AUDIENCE_BUCKET }));
  [directMailQueueUrl, deadLetterQueueUrl] = await Promise.all([fauxqs.createQueue('direct-mail'), fauxqs.createQueue('ingest-dead-letters')]);
  restoreResolver = resolveLocalhostNames();
  stepFunctions = new LocalStepFunctions({ now: () => new Date() });
  addStateMachines(journeyDefinitionsFromTemplate(synthesized.template.toJSON()));
  sfnServer = await startStepFunctionsServer(stepFunctions);
  api = await serveApiGatewayHandler((event) => invoke<APIGatewayProxyResultV2>('consentApi', event));
  zone = earlyAfternoonZone(new Date());

  restoreEnvironment = useLambdaEnvironment({
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SESV2: ses.endpoint,
    AWS_ENDPOINT_URL_SQS: fauxqs.endpoint,
    AWS_ENDPOINT_URL_S3: fauxqs.endpoint,
    AWS_ENDPOINT_URL_SFN: sfnServer.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: standIn.endpoint,
    AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: standIn.endpoint,
    CUSTOMER_TABLE_NAME: tableName,
    JOURNEY_ROUTES: journeyRoutesVariable(routesOf(CATALOG, (journey) => localStateMachineArn(journey))),
    JOURNEY_STATE_MACHINE_ARN_PREFIX: localStateMachineArn(''),
    DEAD_LETTER_QUEUE_URL: deadLetterQueueUrl,
    AUDIENCE_BUCKET_NAME: AUDIENCE_BUCKET,
    LAUNCHER_STATE_MACHINE_ARN: LAUNCHER_ARN,
    FROM_EMAIL_ADDRESS: 'hello@mail.example.com',
    SENDER_POSTAL_ADDRESS: TEST_SENDER_POSTAL_ADDRESS,
    SES_CONFIGURATION_SET: 'overture-test',
    SMS_ORIGINATION_IDENTITY: 'pool-test',
    SMS_CONFIGURATION_SET: 'overture-test',
    DIRECT_MAIL_QUEUE_URL: directMailQueueUrl,
    PUBLIC_BASE_URL: api.url,
    LINK_SECRET_ID,
    TEMPLATES_DIR: 'workflows/templates',
    RATE_LIMIT_BURST: '1000',
    // Rates as the stack always sets them, so that every email and text takes a send slot (of its
    // class: transactional or marketing), but far above what the flows send: no send is deferred.
    SEND_RATE_EMAIL: '100000',
    SEND_RATE_SMS: '100000',
  });
  for (const fn of FUNCTION_NAMES) handlers[fn] = (await FUNCTIONS[fn].entry()).handler;
  recorder.install();
});

afterAll(async () => {
  recorder.uninstall();
  restoreEnvironment();
  restoreResolver();
  await stepFunctions.settled();
  await Promise.all([api.close(), sfnServer.close(), standIn.stop(), fauxqs.stop(), ses.stop(), dynamo.stop()]);
  s3.destroy();
});

describe('the functions at work', () => {
  it('run the event journeys: sends (a transactional one in its own send slot), waits ended by the event, by an event that came first, or by the timeout, branches, goals and exits', async () => {
    // Prepare
    waitEndings.set('welcome-comes/first-order', 'event_comes');
    waitEndings.set('welcome-early/first-order', 'event_came_before_the_token');
    waitEndings.set('prospect-engaged/preferences-given', 'event_comes');
    waitEndings.set('prospect-buyer/first-order-1', 'event_comes');

    // Act
    for (const customerId of ['welcome-late', 'welcome-comes', 'welcome-early']) await invoke('ingest', customerEvent('signed_up', enrolled(customerId)));
    for (const customerId of ['prospect-engaged', 'prospect-buyer']) await invoke('ingest', customerEvent('lead_captured', enrolled(customerId)));
    // A stage stated four minutes ahead (the source's clock runs fast, within the skew ingest
    // accepts): the journey's own stage change finds it later than its own and keeps it.
    const { profile, consents } = enrolled('loyal-gold');
    await invoke('ingest', customerEvent('profile_changed', { customerId: 'loyal-gold', profile: { ...profile, stage: 'active' } }, new Date(Date.now() + 240_000)));
    // The grants name no address: the event states the one they are for (the profile's was stated
    // "later", by the fast clock, so a grant naming none would be bound to no address).
    await invoke('ingest', customerEvent('tier_changed', { customerId: 'loyal-gold', consents, profile: { email: profile.email }, attributes: { tier: 'gold' } }));
    // Below a loyalty tier: loyalty's entry condition keeps the customer out (read from the snapshot).
    const silver = await invoke('ingest', customerEvent('tier_changed', { ...enrolled('loyal-silver'), attributes: { tier: 'silver' } }));
    const signedUpAgain = customerEvent('signed_up', enrolled('welcome-late'));
    await stepFunctions.settled();
    // The order of a customer whose wait timed out: ingest finds the token spent and removes it.
    const lateOrder = await invoke('ingest', customerEvent('order_placed', { customerId: 'welcome-late' }));
    // A changed phone moves the phone index entry.
    const oldPhone = (await store.requireSnapshot('welcome-late')).profile.phone ?? '';
    const newNumber = await invoke('ingest', customerEvent('profile_changed', { customerId: 'welcome-late', profile: { phone: newPhone() } }));
    // Another writer's change landing between ingest's read of a profile and its write: the write
    // planned on the read fails, and ingest reads the profile again (GetItem) to plan on that.
    await invoke('ingest', customerEvent('profile_changed', { customerId: 'profile-raced', profile: { timezone: zone, email: 'profile-raced@example.com' } }));
    const racedChange = await withWriteBeforeFirstWrite(
      () => invoke('ingest', customerEvent('profile_changed', { customerId: 'profile-raced', profile: { email: 'profile-raced-2@example.com' } })),
      () => store.updateProfile('profile-raced', { timezone: 'UTC' }, new Date().toISOString()),
    );
    const again = await invoke('ingest', signedUpAgain);
    const rejected = await invoke('ingest', customerEvent('signed_up', { customerId: 'welcome-bad', profile: { email: 'not an address' } }));
    await stepFunctions.settled();

    // Assess
    expect(failedExecutions()).toEqual([]);
    expect(executionEnds()).toEqual({
      'welcome:welcome-late': 'end',
      'welcome:welcome-comes': 'goal',
      'welcome:welcome-early': 'goal',
      'prospect-nurture:prospect-engaged': 'gone-cold',
      'prospect-nurture:prospect-buyer': 'goal',
      'loyalty:loyal-gold': 'end',
      'active-cross-sell:welcome-comes': 'end',
      'active-cross-sell:welcome-early': 'end',
      'active-cross-sell:prospect-buyer': 'end',
      'active-cross-sell:welcome-late': 'end',
    });
    expect(recorder.requestsOf('waitForEvent').map((request) => request.operation)).toContain('SendTaskSuccess');
    // prospect-nurture's preference request is transactional: it took a slot of the share kept for transactional emails.
    expect(await itemAt(sendSlotKey('email', 'transactional'))).toMatchObject({ next: { N: expect.any(String) } });
    expect(lateOrder).toMatchObject({ status: 'ingested', resumed: [] });
    expect(await waitingTasks({ client: dynamo.client, tableName }, 'welcome-late', 'order_placed')).toEqual([]);
    expect(newNumber).toMatchObject({ status: 'ingested', profile: 'updated' });
    expect(racedChange).toMatchObject({ status: 'ingested', profile: 'updated' });
    expect((await store.requireSnapshot('profile-raced')).profile).toMatchObject({ email: 'profile-raced-2@example.com', timezone: 'UTC' });
    expect(await customersHoldingPhone({ client: dynamo.client, tableName }, oldPhone)).toEqual([]);
    // No longer a prospect (welcome made them new_customer): its entry condition keeps them out before re-entry is asked.
    expect(again).toMatchObject({ status: 'ingested', journeys: [{ journey: 'welcome', outcome: 'condition_not_met' }] });
    expect(silver).toMatchObject({ status: 'ingested', journeys: [{ journey: 'loyalty', outcome: 'condition_not_met' }] });
    expect(rejected).toMatchObject({ status: 'rejected' });
    expect((await store.requireSnapshot('loyal-gold')).profile.stage).toBe('active');
  });

  it('run the inactivity scan, the launch worker and win-back: a holdout, a throttled text that fails the step, a number opted out at the provider, a letter, a lapse the re-entry rule defers', async () => {
    // Prepare: one customer per path, picked by their win-back holdout bucket (under 10 is held out).
    const ids = Array.from({ length: 40 }, (_, index) => `lapsed-${index}`);
    const [heldOut] = ids.filter((id) => bucketOf(id, 'win-back', 'holdout') < 10);
    const [throttled, optedOut] = ids.filter((id) => bucketOf(id, 'win-back', 'holdout') >= 10);
    if (heldOut === undefined || throttled === undefined || optedOut === undefined) throw new Error('no customer ids for every win-back path');
    const lastOrder = new Date(Date.now() - (WIN_BACK_INACTIVE_DAYS + 1) * DAY_MS);
    const phones = { [throttled]: newPhone(), [optedOut]: newPhone() };
    standIn.throttle(phones[throttled] ?? '');
    standIn.optOut(phones[optedOut] ?? '');
    for (const customerId of [heldOut, throttled, optedOut]) {
      await invoke('ingest', customerEvent('order_placed', enrolled(customerId, { phone: phones[customerId] }), lastOrder));
    }
    waitEndings.set(`${optedOut}/comeback`, 'event_comes');
    // A customer win-back entered 120 days ago (launched then), who ordered since and lapsed again:
    // both lapses are older than the week the scan looks at, so only the relaunch below finds them.
    // Emails only, so that the letters are the three paths' above.
    const returned = 'lapsed-returned';
    const enteredAt = new Date(Date.now() - 120 * DAY_MS);
    await invoke('ingest', customerEvent('order_placed', enrolled(returned, { consents: ['email'] }), new Date(enteredAt.getTime() - (WIN_BACK_INACTIVE_DAYS + 1) * DAY_MS)));
    const earlier = await invoke('launch', { BatchInput: { journey: 'win-back', launchId: 'win-back-earlier', launchedAt: enteredAt.toISOString() }, Items: [{ customerId: returned, entryKey: '' }] });
    await stepFunctions.settled();
    await invoke('ingest', customerEvent('order_placed', { customerId: returned }, new Date(Date.now() - 110 * DAY_MS)));
    await stepFunctions.settled();

    // Act
    const scanned = await invoke<{ outcome: string; lapsed: number; launchId: string }[]>('inactivityScan', {});
    await stepFunctions.settled();
    const rescanned = await invoke<{ outcome: string }[]>('inactivityScan', {});
    const [launch] = scanned;
    const batch = (items: unknown[]) => ({ BatchInput: { journey: 'win-back', launchId: launch?.launchId, launchedAt: new Date().toISOString() }, Items: items });
    const relaunched = await invoke('launch', batch([heldOut, throttled, optedOut].map((customerId) => ({ customerId, entryKey: '' }))));
    const unknown = await invoke('launch', batch([{ customerId: 'nobody-here', entryKey: '' }]));
    // Within win-back's 180 days since the entry: refused, and the lapse since the entry deferred to when the rule lets them in.
    const refused = await invoke('launch', batch([{ customerId: returned, entryKey: '' }]));
    await stepFunctions.settled();

    // Assess
    expect(scanned).toEqual([expect.objectContaining({ journey: 'win-back', lapsed: 3, outcome: 'launched' })]);
    expect(rescanned).toEqual([expect.objectContaining({ outcome: 'already_launched' })]);
    // The opted-out customer ordered again (win-back's goal): no longer inactive at the relaunch, kept out before the entry is asked.
    expect(relaunched).toMatchObject({ started: 0, alreadyStarted: 2, conditionNotMet: 1 });
    expect(unknown).toMatchObject({ started: 0, unknownCustomers: ['nobody-here'] });
    expect(earlier).toMatchObject({ started: 1 });
    expect(refused).toMatchObject({ started: 0, notEligible: 1 });
    expect(await itemAt({ [PARTITION_KEY]: { S: itemKeys.partition(returned) }, [SORT_KEY]: { S: deferredLapseRecordKey('win-back') } })).toMatchObject({
      kind: { S: 'deferred_lapse' },
      enteredAt: { S: enteredAt.toISOString() },
    });
    expect(failedExecutions()).toEqual([]);
    const ends = executionEnds();
    expect([ends[`win-back:${heldOut}`], ends[`win-back:${throttled}`], ends[`win-back:${optedOut}`]]).toEqual(['held-out-lapsed', 'end', 'goal']);
    expect(recorder.requestsOf('journeyEffects').some((request) => JSON.stringify(request.input).includes('"sendFailed"'))).toBe(true);
    expect((await store.consentLedger(optedOut)).map((entry) => `${entry.channel}:${entry.status}:${entry.proof.source}`)).toContain('sms:revoked:sms-provider:opted-out');
    expect(await fauxqs.receiveAll(directMailQueueUrl)).toHaveLength(2);
  });

  it('send steps: replayed, deferred to the preferred window, skipped without consent', async () => {
    // Prepare
    const hour = Number(new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' }).format(new Date()));
    const closedWindow = { start: `${String((hour + 3) % 24).padStart(2, '0')}:00`, end: `${String((hour + 4) % 24).padStart(2, '0')}:00` };
    await invoke('ingest', customerEvent('profile_changed', enrolled('send-replayed')));
    await invoke('ingest', customerEvent('profile_changed', enrolled('send-deferred', { preferences: { preferredWindow: closedWindow } })));
    await invoke('ingest', customerEvent('profile_changed', enrolled('send-no-consent', { consents: [] })));
    const step = (customerId: string) => ({
      customerId,
      journey: 'welcome',
      step: 'welcome-email',
      execution: `welcome-${customerId}-e1`,
      templateId: 'welcome',
      topic: 'marketing',
      channels: ['email'],
    });

    // Act
    const first = await invoke('send', step('send-replayed'));
    const replayed = await invoke('send', step('send-replayed'));
    const deferred = await invoke('send', step('send-deferred'));
    const skipped = await invoke('send', step('send-no-consent'));

    // Assess
    expect([first, replayed]).toEqual([
      { outcome: 'sent', channel: 'email' },
      { outcome: 'sent', channel: 'email' },
    ]);
    expect((await ses.messages()).filter((email) => email.destination.to.includes('send-replayed@example.com'))).toHaveLength(1);
    expect(deferred).toMatchObject({ outcome: 'deferred', reason: 'preferred_window' });
    expect(skipped).toMatchObject({ outcome: 'skipped' });
  });

  it('apply delivery feedback: a hard bounce suppresses (once), a complaint revokes, an SMS failure suppresses and revokes, others are ignored', async () => {
    // Prepare
    await invoke('ingest', customerEvent('profile_changed', enrolled('bounced')));
    await invoke('ingest', customerEvent('profile_changed', enrolled('complained')));
    await invoke('ingest', customerEvent('profile_changed', enrolled('texted')));
    await invoke('send', { customerId: 'texted', journey: 'win-back', step: 'win-back-sms', execution: 'win-back-texted-e1', templateId: 'win-back-sms', topic: 'marketing', channels: ['sms'] });
    const text = standIn.texts.find((sent) => (sent.input.Context as Record<string, string> | undefined)?.customer_id === 'texted');
    if (text === undefined) throw new Error('the send function sent no text');
    const sesEvent = (customerId: string, detailType: string, detail: Record<string, unknown>) => ({
      version: '0',
      id: `ses-${customerId}`,
      'detail-type': detailType,
      source: 'aws.ses',
      time: new Date().toISOString(),
      detail: { mail: { messageId: `ses-${customerId}`, timestamp: new Date().toISOString(), tags: { 'ses:configuration-set': ['overture-test'], customer_id: [customerId], topic: ['marketing'] } }, ...detail },
    });
    const smsEvent = (eventType: string) => ({
      Records: [
        {
          EventSource: 'aws:sns',
          Sns: {
            Type: 'Notification',
            MessageId: `sns-${eventType}`,
            Timestamp: new Date().toISOString(),
            Message: JSON.stringify({
              eventType, eventVersion: '1.0', eventTimestamp: Date.now(), isFinal: true, destinationPhoneNumber: text.input.DestinationPhoneNumber, messageId: text.messageId, context: text.input.Context,
            }),
          },
        },
      ],
    });
    const bounce = sesEvent('bounced', 'Email Bounced', {
      eventType: 'Bounce',
      bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: 'bounced@example.com' }], timestamp: new Date().toISOString() },
    });

    // Act
    const results = [
      await invoke('feedback', bounce),
      await invoke('feedback', bounce),
      await invoke('feedback', sesEvent('complained', 'Email Complaint Received', { eventType: 'Complaint', complaint: { timestamp: new Date().toISOString() } })),
      await invoke('feedback', sesEvent('bounced', 'Email Delivered', { eventType: 'Delivery', delivery: { timestamp: new Date().toISOString() } })),
      await invoke('feedback', smsEvent('TEXT_INVALID')),
      await invoke('feedback', smsEvent('TEXT_UNREACHABLE')),
    ];

    // Assess
    expect(results).toEqual([
      { status: 'applied', kind: 'hard_bounce', suppression: 'added' },
      { status: 'applied', kind: 'hard_bounce', suppression: 'kept_earlier' },
      expect.objectContaining({ status: 'applied', kind: 'complaint', suppression: 'added', consent: expect.objectContaining({ ledger: 'appended' }) }),
      { status: 'ignored' },
      [expect.objectContaining({ status: 'applied', kind: 'sms_permanent', suppression: 'added', consent: expect.objectContaining({ ledger: 'appended' }) })],
      [{ status: 'applied', kind: 'sms_transient', eventType: 'TEXT_UNREACHABLE' }],
    ]);
  });

  it('answer the consent API: capture, double opt-in confirmed once, one-click unsubscribe, the preference centre saved and withdrawn, the export', async () => {
    // Prepare
    const customerId = 'api-customer';
    const capture = {
      customerId,
      timezone: zone,
      email: 'api-customer@example.com',
      phone: newPhone(),
      channels: ['email', 'sms'],
      topics: ['marketing'],
      proof: { source: 'web-form', consentTextVersion: 'v3' },
    };
    const post = (path: string, body: string, type: string) => fetch(`${api.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body, redirect: 'manual' });
    const form = (fields: Record<string, string | string[]>) => {
      const body = new URLSearchParams();
      for (const [name, value] of Object.entries(fields)) for (const item of [value].flat()) body.append(name, item);
      return body.toString();
    };
    const urlencoded = 'application/x-www-form-urlencoded';
    const confirm = token(customerId, 'confirm');
    const unsubscribe = token(customerId, 'unsubscribe');
    const preferences = token(customerId, 'preferences');

    // Act
    const statuses = [
      (await post('/consents', JSON.stringify(capture), 'application/json')).status,
      (await post('/consents', JSON.stringify(capture), 'application/json')).status,
      (await fetch(`${api.url}/confirm?token=${confirm}`)).status,
      (await post(`/confirm?token=${confirm}`, '', urlencoded)).status,
      (await post(`/confirm?token=${confirm}`, '', urlencoded)).status,
      (await fetch(`${api.url}/unsubscribe?token=${unsubscribe}`)).status,
      (await post(`/unsubscribe?token=${unsubscribe}`, form({ 'List-Unsubscribe': 'One-Click' }), urlencoded)).status,
      (await fetch(`${api.url}/preferences?token=${preferences}`)).status,
      (await post(
        `/preferences?token=${preferences}`,
        form({ action: 'save', channel1: 'email', channel2: 'sms', channel3: '', consent: ['email:marketing', 'sms:marketing'], windowStart: '09:00', windowEnd: '20:00', quietStart: '', quietEnd: '', maxPerWeek: '3' }),
        urlencoded,
      )).status,
      (await post(`/preferences?token=${preferences}`, form({ action: 'withdraw-all' }), urlencoded)).status,
      (await fetch(`${api.url}/consents/export?token=${preferences}`)).status,
    ];

    // Assess
    expect(statuses).toEqual([202, 202, 200, 200, 200, 200, 200, 200, 303, 303, 200]);
    expect((await store.consentLedger(customerId)).map((entry) => `${entry.channel}:${entry.status}`)).toEqual(
      expect.arrayContaining(['email:pending', 'email:granted', 'email:revoked', 'sms:pending', 'sms:revoked']),
    );
    expect(standIn.texts.filter((text) => text.input.DestinationPhoneNumber === capture.phone).map((text) => text.input.MessageType)).toEqual(['TRANSACTIONAL']);
  });

  it('answer the consent API over a destination budget: a fourth capture naming one address within the day is withheld, a text the provider throttled gives its slot back', async () => {
    // Prepare
    const address = 'api-bombed@example.com';
    const throttled = newPhone();
    standIn.throttle(throttled);
    const capture = (customerId: string, fields: Record<string, unknown>) =>
      fetch(`${api.url}/consents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ customerId, timezone: zone, topics: ['marketing'], proof: { source: 'web-form', consentTextVersion: 'v3' }, ...fields }),
      });

    // Act
    const statuses = [];
    for (let index = 0; index < 4; index += 1) statuses.push((await capture(`api-bombed-${index}`, { email: address, channels: ['email'] })).status);
    statuses.push((await capture('api-throttled', { phone: throttled, channels: ['sms'] })).status);

    // Assess
    expect(statuses).toEqual([202, 202, 202, 202, 202]);
    expect((await ses.messages()).filter((email) => email.destination.to.includes(address))).toHaveLength(3);
    expect(standIn.texts.filter((text) => text.input.DestinationPhoneNumber === throttled)).toEqual([]);
    const slotsGivenBack = recorder
      .requestsOf('consentApi')
      .filter((request) => request.operation === 'DeleteItem' && JSON.stringify(request.input).includes('CONFIRMATION_TO#'));
    expect(slotsGivenBack).toHaveLength(1);
  });

  it('answer inbound texts: STOP revokes, START grants again, a sentence opt-out the provider did not answer is confirmed, HELP replies, YES confirms a captured number, an unknown number changes nothing, a throttled answer gives its claim back', async () => {
    // Prepare
    const phone = newPhone();
    await invoke('ingest', customerEvent('profile_changed', enrolled('texter', { phone })));
    const sentencePhone = newPhone();
    await invoke('ingest', customerEvent('profile_changed', enrolled('texter-sentence', { phone: sentencePhone })));
    const capturedPhone = newPhone();
    const capture = { customerId: 'sms-captured', timezone: zone, phone: capturedPhone, channels: ['sms'], topics: ['marketing'], proof: { source: 'web-form', consentTextVersion: 'v3' } };
    const captured = await fetch(`${api.url}/consents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(capture) });
    const inbound = (from: string, body: string) => inboundSmsEvent(from, body, { id: `inbound-${body}-${from}`, at: new Date(Date.now() + 1000).toISOString() });
    const texts = standIn.texts.length;

    // Act
    const outcomes = [
      await invoke('smsInbound', inbound(phone, 'STOP')),
      await invoke('smsInbound', inbound(phone, 'START')),
      // A sentence End User Messaging matched no keyword in (the event's messageKeyword names none): confirmed from here, once.
      await invoke('smsInbound', inbound(sentencePhone, 'Stop please')),
      await invoke('smsInbound', inbound(phone, 'HELP')),
      await invoke('smsInbound', inbound(capturedPhone, 'YES')),
      await invoke('smsInbound', inbound(newPhone(), 'STOP')),
    ];
    // A HELP whose answer the provider throttles: the answer's claim is given back, and SNS retries.
    const throttled = newPhone();
    standIn.throttle(throttled);
    const retried = invoke('smsInbound', inbound(throttled, 'HELP'));

    // Assess
    expect(captured.status).toBe(202);
    expect(outcomes.map((outcome) => (outcome as { kind: string }[]).map((answer) => answer.kind))).toEqual([['opted_out'], ['opted_in'], ['opted_out'], ['help'], ['confirmed'], ['unknown_number']]);
    expect(outcomes[2]).toEqual([expect.objectContaining({ kind: 'opted_out', customers: [{ customerId: 'texter-sentence', topics: ['marketing'] }], replied: true })]);
    expect(standIn.texts.filter((text) => text.input.DestinationPhoneNumber === sentencePhone).map((text) => text.input.MessageType)).toEqual(['TRANSACTIONAL']);
    expect(standIn.texts.length).toBeGreaterThan(texts);
    await expect(retried).rejects.toMatchObject({ name: 'ProviderThrottledError' });
    const claimsGivenBack = recorder.requestsOf('smsInbound').filter((request) => request.operation === 'DeleteItem');
    expect(claimsGivenBack).toHaveLength(1);
  });
});

describe('grants', () => {
  /** Resource types by logical id, to resolve the statements' resources. */
  let types: Record<string, string>;
  /** The customer table's ARN as the statements name it. */
  let tableArn: string;

  beforeAll(() => {
    const { stack, template } = synthesized;
    types = Object.fromEntries(Object.entries(template.toJSON().Resources as Record<string, { Type: string }>).map(([id, resource]) => [id, resource.Type]));
    tableArn = resolveIntrinsics({ 'Fn::GetAtt': [logicalIdOf(stack, stack.data.table), 'Arn'] }, types);
  });

  /** The statements of the role the function runs as. */
  function statementsOf(fn: FunctionName): PolicyStatementJson[] {
    const { stack, template } = synthesized;
    return statementsOfRole(template, roleOfFunction(template, logicalIdOf(stack, FUNCTIONS[fn].of(stack))));
  }

  /** Whether an IAM action or resource pattern (`*` for any run of characters) matches `value`. */
  function matches(pattern: string, value: string): boolean {
    const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
    return new RegExp(`^${escaped.join('.*')}$`).test(value);
  }

  /** The resource a need names in the statements' terms: the customer table or one of its indexes; none for other services. */
  function resourceOf(need: IamNeed): string | undefined {
    if (need.table === undefined) return undefined;
    if (need.table !== tableName) return `a table the stack does not have: ${need.table}`;
    return need.index === undefined ? tableArn : `${tableArn}/index/${need.index}`;
  }

  function allows(statements: readonly PolicyStatementJson[], need: IamNeed): boolean {
    const resource = resourceOf(need);
    return statements.some(
      (statement) =>
        statement.Effect === 'Allow' &&
        actionsOf(statement).some((action) => matches(action, need.action)) &&
        (resource === undefined || resourcesOf(statement).some((granted) => matches(resolveIntrinsics(granted, types), resource))),
    );
  }

  it.each(FUNCTION_NAMES)('let the %s function make every request its code made', (fn) => {
    // Prepare
    const requests = recorder.requestsOf(fn);
    const statements = statementsOf(fn);

    // Act
    const denied = requests
      .flatMap(iamNeedsOf)
      .filter((need) => !allows(statements, need))
      .map((need) => `${need.action} on ${resourceOf(need) ?? '*'} (${need.operation})`);

    // Assess
    expect(requests.length).toBeGreaterThan(0);
    expect([...new Set(denied)].sort()).toEqual([]);
  });

  it.each(FUNCTION_NAMES)('grant the %s function no customer-table action its code did not use', (fn) => {
    // Prepare
    const used = new Set(recorder.requestsOf(fn).flatMap(iamNeedsOf).filter((need) => need.table !== undefined && need.index === undefined).map((need) => need.action));

    // Act
    const granted = new Set(
      statementsOf(fn)
        .filter((statement) => statement.Effect === 'Allow' && resourcesOf(statement).some((resource) => matches(resolveIntrinsics(resource, types), tableArn)))
        .flatMap(actionsOf)
        .filter((action) => action.startsWith('dynamodb:')),
    );

    // Assess
    expect([...granted].sort()).toEqual([...used].sort());
  });

  it('leave no request unattributed to a function', () => {
    expect(recorder.unattributed).toEqual([]);
  });
});
