/**
 * Overture on one machine: the synthesized template brought up on in-process emulators, its
 * journey state machines run by aws-local-stepfunctions with their Task states bound to the same
 * code the Lambda functions run, on a virtual clock (see virtual-clock.ts and scheduler.ts).
 *
 * One runtime per process (the virtual clock is process-wide). Two ways to use it:
 * - in memory, unpaced: `overture simulate` and the tests — fresh state, weeks in seconds;
 * - persisted under a data folder (`.overture/`), paced: `overture serve` and `npm start` — the
 *   DynamoDB data, the execution registry, the clock, the SMS outbox and the mailbox survive a
 *   restart; executions that were running carry on under their own names from the last wait
 *   they entered (see step-functions.ts), and the send ledger keeps every step to one message.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CreateTableCommand, DescribeTableCommand, ResourceInUseException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { LocalSmsOutbox, PROVIDER_CLIENT_CONFIG, SesEmailSender, SqsDirectMailSender } from '../channels';
import type { DeliveryOutcome, DeliveryPorts } from '../delivery/deliver-message';
import { SendEnvironmentSchema, type SendEnvironment } from '../delivery/send-environment';
import { SendSlots, type SendRates } from '../store/send-slots';
import { routedEventNames, type CustomerEvent } from '../ingest/customer-event';
import { scanForInactivity, type AudienceFileStore, type InactivityLaunch, type LapseWindow } from '../ingest/inactivity-scan';
import { ingestCustomerEvent, type IngestOutcome, type IngestPorts } from '../ingest/ingest-event';
import { journeyEffectsPorts } from '../ingest/journey-records';
import { routesOf, type JourneyRoute } from '../ingest/journey-routes';
import { LAUNCH_BATCH_SIZE } from '../ingest/launch-sizing';
import { launchBatch, type LaunchBatch } from '../ingest/launch-batch';
import type { Journey } from '../journeys/format';
import type { SendStepPayload } from '../journeys/send-contract';
import { bindJourneyTasks, localExecutionContext } from '../journeys/local-bindings';
import { handleInboundSms, DEFAULT_HELP_TEXT, type InboundSmsOutcome } from '../sms-keywords/handle-inbound-sms';
import { CustomerStore } from '../store/customer-store';
import { PhoneSchema } from '../customer/model';
import { loadTemplateCatalog } from '../templates/checked-catalog';
import type { LinkConfig } from '../unsubscribe';
import { CATALOG } from '../../workflows';
import { audienceDigest, normalizedAudienceCsv, parseAudienceCsv, type ParsedAudience } from './audience-csv';
import type { InboundText } from './inbound-text';
import { ignoreServerClock, LOCAL_CLIENT_CONFIG, localDynamoDBClientFor, retryAtOnce } from './clients';
import { DATA_FILES, endLastLine, lockDataFolder, readDataFile, readSavedClock, writeDataFile } from './data-files';
import { localLinkSecret } from './link-secret';
import { startDynamoDBEmulator, startSesEmulator, startSqsS3Emulator, type RunningEmulator, type SesEmulator } from './emulators';
import { LauncherInputSchema, LaunchIdTakenError, type LauncherInput, LaunchRun, runLauncher, type LaunchProgress, type LaunchReport, type LaunchResultExport } from './launcher';
import { resolveEnvironment, type LocalValue } from './local-values';
import { Scheduler, type AgendaItem } from './scheduler';
import { interpretedRunner, LocalStepFunctions, localStateMachineArn, StepFunctionsApiError, type ExecutionRecord } from './step-functions';
import { startStepFunctionsServer, type StepFunctionsServer } from './step-functions-server';
import { journeyTaskHandlers, type TaskCounters } from './task-handlers';
import { readJourneyResults, type JourneyResults } from './journey-results';
import { functionLogicalIdOf, localResources, synthesizeLocalApp, TemplateResolutionError, type LocalResources } from './template';
import { LOCAL_SENDER_POSTAL_ADDRESS } from './template-names';
import { journalSentEmails, restoreMailbox } from './mailbox';
import { clockSavedAheadMs, SavedClock } from './saved-clock';
import { realDelay, realTurn, VirtualClock } from './virtual-clock';
import { WorkQueue } from './work-queue';



export { DATA_FILES };

/** The local stand-ins of the send function's settings that the template leaves to deployment. */
const LOCAL_SEND_SETTINGS = {
  FROM_EMAIL_ADDRESS: 'journeys@example.com',
  SENDER_POSTAL_ADDRESS: LOCAL_SENDER_POSTAL_ADDRESS,
  SES_CONFIGURATION_SET: 'overture-local',
  SMS_ORIGINATION_IDENTITY: 'overture-local-pool',
  SMS_CONFIGURATION_SET: 'overture-local',
  PUBLIC_BASE_URL: 'https://preferences.example.com',
  LINK_SECRET_ID: 'local',
} as const;

/** How long (real ms) {@link LocalRuntime.close} waits for the work that runs to finish. */
const CLOSE_DRAIN_MS = 10_000;

/** Options of {@link LocalRuntime.start}. */
export interface LocalRuntimeOptions {
  /** Persist everything under this folder (`.overture`); in memory when absent. */
  readonly dataDir?: string;
  /** Journeys that run (each must be in the template or is compiled into the companion stack). @default the catalog */
  readonly journeys?: readonly Journey[];
  /** Virtual time at start; a persisted clock wins over it. @default now */
  readonly start?: Date;
  /** Virtual ms per real ms; absent: unpaced (as fast as the work allows). */
  readonly rate?: number;
  /** Seeds `Math.random` and the SMS outbox's message ids. */
  readonly seed?: number;
  /** Work items at once (items of one customer never overlap). @default 1 */
  readonly concurrency?: number;
  /** Where the cloud assembly is written. @default `cdk.out` */
  readonly outdir?: string;
  /** Fixed ports (for `overture serve`); free ports when absent. */
  readonly ports?: { readonly dynamodb?: number; readonly ses?: number; readonly sqsS3?: number; readonly stepFunctions?: number };
  /** Ports tried first, each replaced by a free one when another program holds it (the local stack keeps its mailbox's URL with it). */
  readonly preferredPorts?: { readonly ses?: number };
  /** Base URL of unsubscribe and preference links in messages. */
  readonly publicBaseUrl?: string;
  /** Run the daily inactivity scan for journeys with an inactivity entry. @default true */
  readonly inactivityScan?: boolean;
  /**
   * At the first daily inactivity scan, also launch every lapse day older than the scan looks
   * back (LapseWindow `earlier`): a simulation's customers may have last ordered long before its
   * start, and it has no earlier days whose scans would have found them. @default false
   */
  readonly lapseCatchUp?: boolean;
  /** Run again the executions a previous process left running. @default true */
  readonly resumeInterrupted?: boolean;
  /**
   * Messages a second the send path allows per channel, as the deployed send function's
   * `SEND_RATE_*` settings do. @default none: the emulators do not throttle, so nothing is limited
   */
  readonly sendRates?: SendRates;
  /** Told every send step's answer. */
  readonly onSendStep?: (payload: SendStepPayload, outcome: DeliveryOutcome) => void;
  /** Called when a scheduled job or an event fails (the run goes on). */
  readonly onError?: (error: unknown, what: string) => void;
}

/** Endpoints of a running runtime (written to the data folder for the CLI). */
export interface RuntimeEndpoints {
  readonly dynamodb: string;
  readonly ses: string;
  readonly mailbox: string;
  readonly sqsS3: string;
  readonly stepFunctions: string;
}

/** The SDK clients of the runtime, pointed at the emulators. */
export interface RuntimeClients {
  readonly dynamodb: DynamoDBClient;
  readonly ses: SESv2Client;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly sfn: SFNClient;
}

/** See the module comment. */
export class LocalRuntime {
  /** Counters of Task handler calls. */
  readonly counters: TaskCounters = { sends: 0, effects: 0, waits: 0 };
  /** Every event name the bus rule routes to ingest for the journeys that run here (see routedEventNames). */
  readonly routedEventNames: readonly string[];
  private closed = false;
  /** When the last inbound text was received (epoch ms): see receiveSms. */
  private lastInboundAt = 0;

  private constructor(
    readonly options: LocalRuntimeOptions,
    readonly clock: VirtualClock,
    readonly work: WorkQueue,
    readonly scheduler: Scheduler,
    readonly stepFunctions: LocalStepFunctions,
    readonly clients: RuntimeClients,
    readonly store: CustomerStore,
    readonly tableName: string,
    readonly routes: readonly JourneyRoute[],
    readonly launcherArn: string,
    /** Launcher executions running in this process, by launch id. */
    private readonly launchRuns: ReadonlyMap<string, LaunchRun>,
    /**
     * Launcher executions a kill cut short that this process did not carry on at its start
     * (`resumeInterrupted: false`: a command on a stopped stack), by launch id: launchAudience
     * carries one on when asked for its id again.
     */
    private readonly cutShortLaunches: Map<string, ExecutionRecord>,
    readonly audienceBucket: string,
    readonly directMailQueueUrl: string,
    readonly smsOutbox: LocalSmsOutbox,
    readonly endpoints: RuntimeEndpoints,
    readonly resources: LocalResources,
    /** Base URL and signing secret of unsubscribe and preference links. */
    readonly links: LinkConfig,
    private readonly stops: Array<() => Promise<void>>,
    /** The data folder's clock, kept ahead of this one (absent without a data folder). */
    private readonly savedClock: SavedClock | undefined,
  ) {
    this.routedEventNames = routedEventNames(options.journeys ?? CATALOG);
  }

  /** Synthesizes, starts the emulators, creates the resources, installs the clock. */
  static async start(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
    const journeys = options.journeys ?? CATALOG;
    const dataDir = options.dataDir === undefined ? undefined : path.resolve(options.dataDir);
    if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
    // Before anything opens or writes the folder; released last, once everything is saved.
    const releaseDataDir = dataDir === undefined ? undefined : await lockDataFolder(dataDir);

    const stops: Array<() => Promise<void>> = [];
    if (releaseDataDir !== undefined) stops.push(releaseDataDir);
    const stopAll = async (): Promise<void> => {
      for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
    };
    try {
      const app = await synthesizeLocalApp({ outdir: options.outdir, journeys });
      const resources = localResources(app);
      const dynamo = await startDynamoDBEmulator({ dataPath: dataDir && path.join(dataDir, DATA_FILES.dynamodb), port: options.ports?.dynamodb });
      stops.push(() => dynamo.close());
      const ses: SesEmulator = await startSesEmulator({ port: options.ports?.ses, preferredPort: options.preferredPorts?.ses });
      stops.push(() => ses.stop());
      const sqsS3: RunningEmulator = await startSqsS3Emulator({ port: options.ports?.sqsS3 });
      stops.push(() => sqsS3.stop());

      const dynamodb = localDynamoDBClientFor(dynamo.endpoint);
      const sesClient = ignoreServerClock(new SESv2Client({ ...PROVIDER_CLIENT_CONFIG, ...LOCAL_CLIENT_CONFIG, endpoint: ses.endpoint }));
      if (dataDir !== undefined) {
        // The emulator's mailbox is in memory: put back what the folder kept, and keep each email as it is accepted.
        await endLastLine(path.join(dataDir, DATA_FILES.mailbox));
        await restoreMailbox(path.join(dataDir, DATA_FILES.legacyMailbox), path.join(dataDir, DATA_FILES.mailbox));
        journalSentEmails(sesClient, path.join(dataDir, DATA_FILES.mailbox));
      }
      const sqs = ignoreServerClock(new SQSClient({ ...PROVIDER_CLIENT_CONFIG, ...LOCAL_CLIENT_CONFIG, endpoint: sqsS3.endpoint }));
      const s3 = ignoreServerClock(new S3Client({ ...LOCAL_CLIENT_CONFIG, endpoint: sqsS3.endpoint, forcePathStyle: true, retryStrategy: retryAtOnce() }));
      stops.push(async () => [dynamodb, sesClient, sqs, s3].forEach((client) => client.destroy()));

      // Resources, from the template.
      const values = new Map<string, LocalValue>();
      for (const table of resources.tables) {
        await createTable(dynamodb, table);
        values.set(table.logicalId, { ref: table.tableName, attributes: { Arn: `arn:aws:dynamodb:us-east-1:000000000000:table/${table.tableName}` } });
      }
      for (const queue of resources.queues) {
        const queueUrl = await createQueue(sqs, sqsS3.endpoint, queue.queueName, queue.fifo);
        values.set(queue.logicalId, { ref: queueUrl, attributes: { QueueUrl: queueUrl, QueueName: queue.queueName, Arn: `arn:aws:sqs:us-east-1:000000000000:${queue.queueName}` } });
      }
      for (const bucket of resources.buckets) {
        await s3.send(new CreateBucketCommand({ Bucket: bucket.bucketName }));
        values.set(bucket.logicalId, { ref: bucket.bucketName, attributes: { Arn: `arn:aws:s3:::${bucket.bucketName}` } });
      }
      for (const machine of resources.stateMachines) values.set(machine.logicalId, { ref: localStateMachineArn(machine.logicalId) });

      const sendEnvironment = await localSendEnvironment(resources, values, {
        publicBaseUrl: options.publicBaseUrl,
        createDirectMailQueue: () => createQueue(sqs, sqsS3.endpoint, 'overture-local-direct-mail', false),
      });
      const tableName = sendEnvironment.CUSTOMER_TABLE_NAME;
      const templateLauncher = resources.launchers[0];
      const launcherBucket = templateLauncher?.bucketLogicalId === undefined ? undefined : values.get(templateLauncher.bucketLogicalId)?.ref;
      const audienceBucket = launcherBucket ?? 'overture-local-audiences';
      if (launcherBucket === undefined) await s3.send(new CreateBucketCommand({ Bucket: audienceBucket }));
      // Where the launcher's ResultWriter exports each launch's batch results, as in AWS.
      let resultExport: LaunchResultExport | undefined;
      if (templateLauncher?.resultWriter !== undefined) {
        const { bucketLogicalId, ...writer } = templateLauncher.resultWriter;
        const bucket = values.get(bucketLogicalId)?.ref;
        if (bucket === undefined) throw new TemplateResolutionError(`the launcher's ResultWriter names ${bucketLogicalId}, which is not a bucket of the template`);
        resultExport = { ...writer, bucket };
      }

      // The clock: persisted time wins, so a restart goes on where the last run stopped (or a little after: saved-clock.ts).
      const savedNow = dataDir === undefined ? undefined : await readSavedClock(dataDir);
      const clock = VirtualClock.install({ start: savedNow ?? options.start ?? new Date(), randomSeed: options.seed });
      stops.push(async () => clock.uninstall());
      const now = (): Date => clock.now();

      const work = new WorkQueue({ concurrency: options.concurrency });
      const savedClock = dataDir === undefined ? undefined : new SavedClock(path.join(dataDir, DATA_FILES.clock), clockSavedAheadMs(options.rate));
      const scheduler = new Scheduler(clock, work, {
        rate: options.rate,
        onError: (error, item) => options.onError?.(error, item.key),
        ...(savedClock === undefined ? {} : { beforeMove: (at: number) => savedClock.reserve(at) }),
      });
      const stepFunctions = new LocalStepFunctions({
        now,
        registryFile: dataDir && path.join(dataDir, DATA_FILES.executions),
      });
      stops.push(() => stepFunctions.flush());
      const sfnServer: StepFunctionsServer = await startStepFunctionsServer(stepFunctions, { port: options.ports?.stepFunctions });
      stops.push(() => sfnServer.close());
      const sfn = ignoreServerClock(new SFNClient({ ...LOCAL_CLIENT_CONFIG, endpoint: sfnServer.endpoint, retryStrategy: retryAtOnce() }));
      stops.push(async () => sfn.destroy());

      // Pauses between store attempts take real time: the virtual clock stands still while work runs.
      const store = new CustomerStore({ client: dynamodb, tableName, pause: realDelay });
      let smsSequence = 0;
      if (dataDir !== undefined) await endLastLine(path.join(dataDir, DATA_FILES.smsOutbox));
      const optOuts = dataDir === undefined ? undefined : await keptOptOuts(path.join(dataDir, DATA_FILES.smsOptOuts), options.onError);
      if (optOuts !== undefined) stops.push(() => optOuts.saved());
      const smsOutbox = new LocalSmsOutbox(
        { originationIdentity: sendEnvironment.SMS_ORIGINATION_IDENTITY, configurationSetName: sendEnvironment.SMS_CONFIGURATION_SET },
        {
          file: dataDir && path.join(dataDir, DATA_FILES.smsOutbox),
          now,
          newMessageId: options.seed === undefined ? undefined : () => `local-sms-${options.seed}-${(smsSequence += 1)}`,
          optedOut: optOuts?.numbers,
          onOptOutsChanged: optOuts?.save,
        },
      );
      const delivery: DeliveryPorts = {
        store,
        templates: loadTemplateCatalog(sendEnvironment.TEMPLATES_DIR),
        links: { baseUrl: sendEnvironment.PUBLIC_BASE_URL, secret: await localLinkSecret(dataDir, options.seed) },
        senderPostalAddress: sendEnvironment.SENDER_POSTAL_ADDRESS,
        senders: {
          email: new SesEmailSender(sesClient, { fromEmailAddress: sendEnvironment.FROM_EMAIL_ADDRESS, configurationSetName: sendEnvironment.SES_CONFIGURATION_SET }),
          sms: smsOutbox,
          mail: new SqsDirectMailSender(sqs, { queueUrl: sendEnvironment.DIRECT_MAIL_QUEUE_URL }),
        },
        now,
        ...(options.sendRates === undefined ? {} : { sendSlots: new SendSlots({ client: dynamodb, tableName }, options.sendRates) }),
      };
      const effects = journeyEffectsPorts({ store, client: dynamodb, tableName, now });

      const activeJourneys = new Set(journeys.map((journey) => journey.id));
      const machines = resources.stateMachines.filter((machine) => machine.journey !== undefined && activeJourneys.has(machine.journey));
      const arnOfJourney = new Map<string, string>();
      const runtimeRef: { current?: LocalRuntime } = {};
      for (const machine of machines) {
        const arn = localStateMachineArn(machine.logicalId);
        if (machine.journey === undefined || arnOfJourney.has(machine.journey)) continue;
        arnOfJourney.set(machine.journey, arn);
        const definition = machine.definition;
        stepFunctions.addStateMachine({
          arn,
          journey: machine.journey,
          definition,
          runner: interpretedRunner(definition, {
            taskHandlers: (execution) =>
              bindJourneyTasks(
                definition,
                journeyTaskHandlers(
                  { delivery, effects, dynamodb, tableName, sfn, stepFunctions, work, now, onSendStep: options.onSendStep },
                  runtimeRef.current?.counters,
                  // Carried on from a wait's checkpoint: a wait for an event there keeps its first timeout.
                  execution.resumeFrom?.until === undefined ? undefined : { step: execution.resumeFrom.state, until: execution.resumeFrom.until },
                ),
                { name: execution.name, startTime: execution.startDate },
              ),
            context: (execution) => localExecutionContext({ name: execution.name, startTime: execution.startDate }, execution.input),
          }),
        });
      }
      const routes = routesOf(
        journeys.filter((journey) => arnOfJourney.has(journey.id)),
        (journeyId) => arnOfJourney.get(journeyId) ?? '',
      );

      // The audience launcher of the template: its Distributed Map is run here (the interpreter has none).
      const launcherArn = localStateMachineArn(templateLauncher?.logicalId ?? 'AudienceLauncher');
      const batchSize = templateLauncher?.batchSize ?? LAUNCH_BATCH_SIZE;
      const launchRuns = new Map<string, LaunchRun>();
      const cutShortLaunches = new Map<string, ExecutionRecord>();
      stepFunctions.addStateMachine({
        arn: launcherArn,
        definition: { Comment: 'audience launcher (Distributed Map run by the local runtime)', QueryLanguage: 'JSONPath', StartAt: 'launch', States: {} },
        runner: (execution) => {
          const context = { s3, audienceBucket, batchSize, stateMachineArn: launcherArn, map: templateLauncher, resultExport, work, runBatch: (batch: LaunchBatch) => launchBatch({ dynamodb, sfn, tableName, routes }, batch) };
          const run: LaunchRun = new LaunchRun(
            runLauncher(execution, context, (progress) => run.progressed(progress)).finally(() => launchRuns.delete(execution.name)),
          );
          launchRuns.set(execution.name, run);
          return run.totals;
        },
      });

      const endpoints: RuntimeEndpoints = {
        dynamodb: dynamo.endpoint,
        ses: ses.endpoint,
        mailbox: ses.mailboxUrl,
        sqsS3: sqsS3.endpoint,
        stepFunctions: sfnServer.endpoint,
      };
      const runtime = new LocalRuntime(
        options,
        clock,
        work,
        scheduler,
        stepFunctions,
        { dynamodb, ses: sesClient, sqs, s3, sfn },
        store,
        tableName,
        routes,
        launcherArn,
        launchRuns,
        cutShortLaunches,
        audienceBucket,
        sendEnvironment.DIRECT_MAIL_QUEUE_URL,
        smsOutbox,
        endpoints,
        resources,
        delivery.links,
        stops,
        savedClock,
      );
      runtimeRef.current = runtime;
      if (options.inactivityScan ?? true) runtime.scheduleInactivityScan();
      const interrupted = await stepFunctions.loadRegistry();
      if (dataDir !== undefined) await restoreAudienceFiles(dataDir, s3, audienceBucket, stepFunctions.listExecutions().filter((record) => record.stateMachineArn === launcherArn));
      if (options.resumeInterrupted ?? true) for (const record of interrupted) stepFunctions.resume(record);
      else for (const record of interrupted) if (record.stateMachineArn === launcherArn) cutShortLaunches.set(record.name, record);
      if (dataDir !== undefined) {
        await writeDataFile(path.join(dataDir, DATA_FILES.stack), `${JSON.stringify({ tableName }, null, 2)}\n`);
      }
      return runtime;
    } catch (error) {
      await stopAll();
      throw error;
    }
  }

  /** The virtual instant. */
  now(): Date {
    return this.clock.now();
  }

  /** The ingest function's work for one customer event, queued under the customer. */
  ingestEvent(event: CustomerEvent): Promise<IngestOutcome> {
    return this.work.run(event.customerId, () => ingestCustomerEvent(this.ingestPorts(), event));
  }

  /** The ingest code for one event, inside a work item of the event's customer (an agenda item). */
  ingestInWorkItem(event: CustomerEvent): Promise<IngestOutcome> {
    return ingestCustomerEvent(this.ingestPorts(), event);
  }

  /** The ports the ingest code runs on. */
  ingestPorts(): IngestPorts {
    return { store: this.store, dynamodb: this.clients.dynamodb, sfn: this.clients.sfn, tableName: this.tableName, routes: this.routes };
  }

  /**
   * The sms-inbound function's work for one text from a customer's phone (STOP, START, YES, HELP,
   * their synonyms, and opt-outs written as a sentence), as End User Messaging would deliver it:
   * received now on the virtual clock, answered into the SMS outbox, and the number put on (or
   * taken off) the outbox's opt-out list where the provider would list it, for an exact keyword.
   * AWS has no stand-in to text from, so this is how a local double opt-in is confirmed. It runs
   * alone in the work queue: a keyword may touch every customer holding the number, and the queue's
   * keys are never a phone number (they can appear in a hang report). Texts received one after
   * another are stated in that order, a millisecond apart at least, as SNS timestamps two texts:
   * the virtual clock may not have moved between them, and a START stated at the instant of the
   * STOP before it would lose to it (the store ranks the more restrictive first at one instant).
   * Each text gets an inbound message id of its own, as End User Messaging gives one.
   */
  receiveSms(text: InboundText): Promise<InboundSmsOutcome> {
    const deps = {
      store: this.store,
      phoneIndex: { client: this.clients.dynamodb, tableName: this.tableName },
      replies: this.smsOutbox,
      providerOptOuts: this.smsOutbox,
      helpText: DEFAULT_HELP_TEXT,
    };
    const message = { originationNumber: text.from, destinationNumber: this.smsOutbox.originationIdentity, messageBody: text.text, inboundMessageId: `local-inbound-${randomUUID()}` };
    return this.work.runAlone('inbound-sms', () => {
      this.lastInboundAt = Math.max(this.clock.nowMs(), this.lastInboundAt + 1);
      return handleInboundSms(deps, message, new Date(this.lastInboundAt).toISOString());
    });
  }

  /** What `journeyId` did, step by step (see journey-results.ts); undefined for a journey that does not run here. */
  async journeyResults(journeyId: string): Promise<JourneyResults | undefined> {
    const journey = (this.options.journeys ?? CATALOG).find((candidate) => candidate.id === journeyId);
    if (journey === undefined) return undefined;
    return readJourneyResults(this.clients.dynamodb, this.tableName, journey, this.stepFunctions.listExecutions());
  }

  /**
   * Launches `journey` for an audience (parsed and valid) and resolves when the launch has ended,
   * with what it did. The audience goes to the audience bucket as it was validated (rewritten by
   * `normalizedAudienceCsv`, without the spaces around values the launcher would read as they are)
   * and the launcher starts, named `launchId`; a launch id used before starts nothing and answers
   * how that launch went, except a launch of that id that a kill cut short and this process has not
   * carried on (a command on a stopped stack): that launch carries on now, from its own audience
   * file, and answers its totals (`resumed`). A launch id used before for another journey or
   * another audience launches nothing (see {@link refuseReusedLaunchId}). `onProgress` hears each
   * batch that ends. Rejects when the launch fails.
   * @throws LaunchIdTakenError for a launch id used before for another journey or audience
   */
  async launchAudience(journey: string, audience: ParsedAudience, launchId: string, onProgress?: (progress: LaunchProgress) => void): Promise<LaunchReport> {
    await this.refuseReusedLaunchId(journey, audience, launchId);
    const cutShort = this.cutShortLaunches.get(launchId);
    if (cutShort !== undefined) return this.carryOnLaunch(cutShort, onProgress);
    const earlier = this.earlierLaunch(launchId);
    if (earlier !== undefined) return earlier;
    const audienceKey = `launches/${journey}/${launchId}.csv`;
    const body = normalizedAudienceCsv(audience);
    await this.keepAudienceFile(audienceKey, body);
    await this.clients.s3.send(new PutObjectCommand({ Bucket: this.audienceBucket, Key: audienceKey, Body: body, ContentType: 'text/csv' }));
    let launchedAt: string;
    try {
      // The local service itself rather than its endpoint: the start runs the launcher's runner at
      // once, so its progress can be followed from the first batch.
      launchedAt = this.stepFunctions.startExecution({ stateMachineArn: this.launcherArn, name: launchId, input: JSON.stringify({ journey, audienceKey }) }).startDate;
    } catch (error) {
      const raced = error instanceof StepFunctionsApiError && error.code === 'ExecutionAlreadyExists' ? this.earlierLaunch(launchId) : undefined;
      if (raced === undefined) throw error;
      await this.refuseReusedLaunchId(journey, audience, launchId);
      return raced;
    }
    const run = this.launchRuns.get(launchId);
    if (run === undefined) throw new Error(`launcher execution ${launchId} started but does not run in this process`);
    if (onProgress !== undefined) run.onProgress(onProgress);
    return { outcome: 'launched', launch: launchId, journey, launchedAt, ...(await run.totals) };
  }

  /**
   * Keeps an audience file in the data folder (nothing in memory), under its key in the audience
   * bucket: the bucket is in memory, and a launch a kill cut short carries on at the next start
   * only once restoreAudienceFiles has put its file back there. Call it before the file goes to
   * the bucket, so that no launch can start from a file the folder lacks.
   */
  private async keepAudienceFile(audienceKey: string, body: string): Promise<void> {
    if (this.options.dataDir === undefined) return;
    const file = path.join(path.resolve(this.options.dataDir), DATA_FILES.audiences, audienceKey);
    await mkdir(path.dirname(file), { recursive: true });
    await writeDataFile(file, body);
  }

  /**
   * Carries on a launch a kill cut short, as the next start of the stack would, and answers its
   * totals. Answering `already_launched` instead would tell the marketer it still runs when nothing
   * runs it, and a new launch id would enter its customers a second time once it carried on.
   */
  private async carryOnLaunch(record: ExecutionRecord, onProgress?: (progress: LaunchProgress) => void): Promise<LaunchReport> {
    this.cutShortLaunches.delete(record.name);
    this.stepFunctions.resume(record);
    const run = this.launchRuns.get(record.name);
    if (run === undefined) throw new Error(`launcher execution ${record.name} was carried on but does not run in this process`);
    if (onProgress !== undefined) run.onProgress(onProgress);
    const totals = await run.totals;
    return { outcome: 'resumed', launch: record.name, journey: launchedJourneyOf(record), launchedAt: record.startDate, ...totals };
  }

  /** The earlier launcher execution named `launchId`, as an `already_launched` report, if any. */
  private earlierLaunch(launchId: string): LaunchReport | undefined {
    const record = this.launcherExecution(launchId);
    if (record === undefined) return undefined;
    return { outcome: 'already_launched', launch: launchId, journey: launchedJourneyOf(record), launchedAt: record.startDate, status: record.status };
  }

  /** The launcher execution named `launchId` (running, ended, or cut short by a kill), if any. */
  private launcherExecution(launchId: string): ExecutionRecord | undefined {
    const cutShort = this.cutShortLaunches.get(launchId);
    if (cutShort !== undefined) return cutShort;
    let record: ExecutionRecord;
    try {
      record = this.stepFunctions.describeExecution(launchId);
    } catch (error) {
      if (error instanceof StepFunctionsApiError && error.code === 'ExecutionDoesNotExist') return undefined;
      throw error;
    }
    return record.stateMachineArn === this.launcherArn ? record : undefined;
  }

  /**
   * Refuses a launch id an earlier launch used for another journey or another audience (who is in
   * it under which entry keys, however the file was saved: see audienceDigest), as Step Functions
   * refuses an execution name used before with another input. The same journey and audience again
   * under the id is no refusal: that launch is answered (or carried on) instead. The earlier
   * audience is read from the data folder, where launchAudience keeps it, or from the audience
   * bucket; an audience kept in neither is not compared, and the journey alone decides.
   * @throws LaunchIdTakenError
   */
  async refuseReusedLaunchId(journey: string, audience: ParsedAudience, launchId: string): Promise<void> {
    const earlier = this.launcherExecution(launchId);
    if (earlier === undefined) return;
    const earlierJourney = launchedJourneyOf(earlier);
    if (earlierJourney !== journey) throw new LaunchIdTakenError(launchId, earlierJourney, earlier.startDate, 'journey');
    const earlierCsv = await this.launchedAudienceCsv(earlier);
    if (earlierCsv === undefined) return;
    const earlierAudience = parseAudienceCsv(earlierCsv);
    // An earlier file this parser refuses is not an audience that could be given now.
    if (earlierAudience.issues.length > 0 || audienceDigest(earlierAudience) !== audienceDigest(audience)) {
      throw new LaunchIdTakenError(launchId, earlierJourney, earlier.startDate, 'audience');
    }
  }

  /** The audience file a launcher execution launched, from the data folder or else the audience bucket; undefined when neither holds it. */
  private async launchedAudienceCsv(record: ExecutionRecord): Promise<string | undefined> {
    const audienceKey = launcherInputOf(record)?.audienceKey;
    if (audienceKey === undefined) return undefined;
    if (this.options.dataDir !== undefined) {
      const kept = await keptAudienceFile(path.resolve(this.options.dataDir), audienceKey);
      if (kept !== undefined) return kept;
    }
    try {
      const object = await this.clients.s3.send(new GetObjectCommand({ Bucket: this.audienceBucket, Key: audienceKey }));
      return await object.Body?.transformToString('utf8');
    } catch (error) {
      // By name: the emulator's answer is not always the SDK's NoSuchKey class.
      if (error instanceof Error && error.name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  /** Adds work to the scheduler's agenda. */
  schedule(item: AgendaItem): void {
    this.scheduler.schedule(item);
  }

  /** Runs the scheduler until virtual `until` (or until {@link stop}). A data folder's clock is saved ahead as it goes (saved-clock.ts). */
  async run(until?: Date): Promise<void> {
    await this.scheduler.run(until?.getTime());
  }

  /** Resolves once no work runs or waits (the clock does not move meanwhile). */
  async quiesce(): Promise<void> {
    let quiet = 0;
    while (quiet < 3) {
      await realTurn();
      quiet = this.work.idle ? quiet + 1 : 0;
    }
  }

  /** Makes a running {@link run} return. */
  stop(): void {
    this.scheduler.stop();
  }

  /**
   * Stops the scheduler, lets the work that runs finish (nothing more starts; see
   * WorkQueue.drain), saves the clock, uninstalls it and stops every emulator.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.stop();
    // Bounded, so that a handler stuck on an emulator cannot hold Ctrl-C forever.
    await Promise.race([this.work.drain(), realDelay(CLOSE_DRAIN_MS)]);
    await this.saveClock();
    this.closed = true;
    for (const stop of this.stops.splice(0).reverse()) await stop().catch(() => undefined);
  }

  /**
   * Schedules the daily inactivity scan at the time of the template's schedule (the one whose
   * target function is told the launcher's ARN), when a running journey has an inactivity entry.
   */
  private scheduleInactivityScan(): void {
    if (!this.routes.some((route) => route.trigger.kind === 'inactivity')) return;
    const scanFunctions = new Set(
      this.resources.functions.filter((fn) => 'LAUNCHER_STATE_MACHINE_ARN' in fn.environment).map((fn) => fn.logicalId),
    );
    const schedule = this.resources.dailySchedules.find((candidate) => scanFunctions.has(candidate.targetFunction));
    if (schedule === undefined) return;
    let catchUp = this.options.lapseCatchUp === true;
    const scheduleNext = (): void => {
      const now = this.clock.nowMs();
      const day = new Date(now);
      day.setUTCHours(schedule.hourUtc, schedule.minuteUtc, 0, 0);
      const at = day.getTime() > now ? day.getTime() : day.getTime() + 86_400_000;
      this.scheduler.schedule({
        at,
        order: ['~inactivity-scan'],
        key: 'inactivity-scan',
        alone: true,
        run: async () => {
          scheduleNext();
          await this.scanForInactivity();
          if (catchUp) {
            catchUp = false;
            await this.scanForInactivity('earlier');
          }
        },
      });
    };
    scheduleNext();
  }

  /**
   * The inactivity scan's work, now, over the lapse days of `lapseWindow`. Each audience file it
   * puts in the bucket is kept in the data folder first, as launchAudience keeps a launch's: a
   * win-back launch a kill cut short carries on at the next start (or by `overture redrive`)
   * instead of failing with NoSuchKey, and its lapse day, already launched by name, would never be
   * launched again.
   */
  scanForInactivity(lapseWindow: LapseWindow = 'recent'): Promise<InactivityLaunch[]> {
    const s3 = this.clients.s3;
    const keptAudiences: AudienceFileStore = {
      send: async (command) => {
        const { Key, Body } = command.input;
        if (Key === undefined || typeof Body !== 'string') throw new TypeError('the inactivity scan puts each audience file as text under a key; only that is kept in the data folder');
        await this.keepAudienceFile(Key, Body);
        return s3.send(command);
      },
    };
    const ports = {
      dynamodb: this.clients.dynamodb,
      tableName: this.tableName,
      s3: keptAudiences,
      audienceBucket: this.audienceBucket,
      sfn: this.clients.sfn,
      launcherArn: this.launcherArn,
      routes: this.routes,
      now: () => this.clock.now(),
    };
    return scanForInactivity(ports, lapseWindow);
  }

  /**
   * Writes the virtual now to the data folder (nothing without one), exactly: at the close, and
   * where the clock stands still (a command's work). While the scheduler runs, the clock is saved
   * ahead of itself instead (saved-clock.ts).
   */
  async saveClock(): Promise<void> {
    if (this.closed) return;
    await this.savedClock?.save(this.clock.nowMs());
  }
}

/** Creates a queue and returns its URL (on the emulator's endpoint). */
async function createQueue(sqs: SQSClient, endpoint: string, queueName: string, fifo: boolean): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName, Attributes: fifo ? { FifoQueue: 'true' } : undefined }));
  return QueueUrl ?? `${endpoint}/000000000000/${queueName}`;
}

async function createTable(dynamodb: DynamoDBClient, table: LocalResources['tables'][number]): Promise<void> {
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table.tableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: table.keySchema,
        AttributeDefinitions: table.attributeDefinitions,
        GlobalSecondaryIndexes: table.globalSecondaryIndexes.length > 0 ? table.globalSecondaryIndexes : undefined,
      }),
    );
  } catch (error) {
    // A persisted table from an earlier run.
    if (!(error instanceof ResourceInUseException)) throw error;
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: table.tableName }));
    const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
    const missing = table.globalSecondaryIndexes.map((index) => index.IndexName).filter((name) => !present.has(name));
    if (missing.length > 0) throw new OutdatedLocalDataError(table.tableName, missing);
  }
}

/**
 * Raised when a persisted table lacks an index the template defines: the data folder was made by
 * an earlier version, and dynalite cannot add an index to a table that has items.
 */
export class OutdatedLocalDataError extends Error {
  constructor(
    readonly tableName: string,
    readonly missingIndexes: readonly string[],
  ) {
    super(`table ${tableName} was made by an earlier version of Overture: it has no index ${missingIndexes.join(', ')}`);
    this.name = 'OutdatedLocalDataError';
  }
}

/**
 * The SMS outbox's opt-out list as the data folder keeps it, and how to keep it: each change is
 * written whole, one write after the other so that the last change is the one on disk; `saved`
 * resolves once every change so far is written (the runtime waits for it when it stops). A write
 * that fails is reported to `onError`, and the next change writes the whole list again.
 */
async function keptOptOuts(
  file: string,
  onError: LocalRuntimeOptions['onError'],
): Promise<{ numbers: readonly string[]; save: (numbers: readonly string[]) => void; saved: () => Promise<void> }> {
  let writing = Promise.resolve();
  return {
    numbers: (await readDataFile(file, z.array(PhoneSchema))) ?? [],
    save: (numbers) => {
      writing = writing.then(() => writeDataFile(file, `${JSON.stringify(numbers)}\n`)).catch((error: unknown) => onError?.(error, 'saving the SMS opt-out list'));
    },
    saved: () => writing,
  };
}

/**
 * The send function's settings as the template gives them (its environment, references resolved
 * to the emulators), with local stand-ins for what only a deployment knows.
 */
async function localSendEnvironment(
  resources: LocalResources,
  values: ReadonlyMap<string, LocalValue>,
  context: { publicBaseUrl?: string; createDirectMailQueue: () => Promise<string> },
): Promise<SendEnvironment> {
  const sendFunctionId = sendFunctionOf(resources);
  const template = resources.functions.find((fn) => fn.logicalId === sendFunctionId);
  const fromTemplate = template === undefined ? {} : resolveEnvironment(template.environment, values);
  const customerTable = resources.tables[0]?.tableName;
  const queueUrl = fromTemplate.DIRECT_MAIL_QUEUE_URL ?? (await context.createDirectMailQueue());
  // The deployment's provider rates do not apply to the emulators (see LocalRuntimeOptions.sendRates).
  const { SEND_RATE_EMAIL: _email, SEND_RATE_SMS: _sms, ...settings } = fromTemplate;
  return SendEnvironmentSchema.parse({
    ...LOCAL_SEND_SETTINGS,
    CUSTOMER_TABLE_NAME: customerTable,
    ...settings,
    DIRECT_MAIL_QUEUE_URL: queueUrl,
    PUBLIC_BASE_URL: context.publicBaseUrl ?? fromTemplate.PUBLIC_BASE_URL ?? LOCAL_SEND_SETTINGS.PUBLIC_BASE_URL,
    TEMPLATES_DIR: path.resolve(__dirname, '..', '..', 'workflows', 'templates'),
  });
}

/** The logical id of the function the journeys' send Tasks invoke. */
function sendFunctionOf(resources: LocalResources): string | undefined {
  for (const machine of resources.stateMachines) {
    for (const state of Object.values(machine.definition.States)) {
      if (state.Type !== 'Task' || state.Resource.endsWith('.waitForTaskToken')) continue;
      const payload = state.Parameters.Payload;
      if (typeof payload === 'object' && payload !== null && !Array.isArray(payload) && 'templateId' in payload) {
        const name = state.Parameters.FunctionName;
        if (typeof name === 'string') return functionLogicalIdOf(name);
      }
    }
  }
  return undefined;
}

/** What a launcher execution was asked to launch; undefined for an input the launcher refused (it failed at once). */
function launcherInputOf(record: ExecutionRecord): LauncherInput | undefined {
  let input: unknown;
  try {
    input = JSON.parse(record.input);
  } catch {
    return undefined;
  }
  const parsed = LauncherInputSchema.safeParse(input);
  return parsed.success ? parsed.data : undefined;
}

/** The journey a launcher execution launches, from its input; `unknown` for an input the launcher refused. */
function launchedJourneyOf(record: ExecutionRecord): string {
  return launcherInputOf(record)?.journey ?? 'unknown';
}

/**
 * The audience file kept under `audienceKey` in the data folder (see keepAudienceFile); undefined
 * when none is, or when the key would lead out of the folder.
 */
async function keptAudienceFile(dataDir: string, audienceKey: string): Promise<string | undefined> {
  const folder = path.join(dataDir, DATA_FILES.audiences);
  const file = path.resolve(folder, audienceKey);
  if (!file.startsWith(`${folder}${path.sep}`)) return undefined;
  return readFile(file, 'utf8').catch(() => undefined);
}

/**
 * Puts back in the audience bucket, which is in memory and starts empty, the audience file of each
 * launch that did not succeed (one a kill cut short, carried on now, or one that failed, which may
 * be redriven) from the data folder, where launchAudience kept it; else the launcher would fail
 * with NoSuchKey and the rest of its audience would never be launched.
 */
async function restoreAudienceFiles(dataDir: string, s3: S3Client, bucket: string, launches: readonly ExecutionRecord[]): Promise<void> {
  for (const launch of launches) {
    if (launch.status === 'SUCCEEDED') continue;
    const audienceKey = launcherInputOf(launch)?.audienceKey;
    if (audienceKey === undefined) continue;
    const body = await keptAudienceFile(dataDir, audienceKey);
    if (body !== undefined) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: audienceKey, Body: body, ContentType: 'text/csv' }));
  }
}
