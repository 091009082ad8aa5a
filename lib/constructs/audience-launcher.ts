import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2 } from 'aws-cdk-lib/cx-api';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, type LifecycleRule, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import {
  CsvHeaders,
  DefinitionBody,
  DistributedMap,
  ItemBatcher,
  LogLevel,
  OutputType,
  S3CsvItemReader,
  StateMachine,
  StateMachineType,
  Transformation,
  WriterConfig,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { LAUNCH_BATCH_SIZE, LAUNCH_MAX_CONCURRENCY } from '../ingest/launch-sizing';
import { entryReadsOf } from '../ingest/launch-entry-check';
import { LAUNCH_ENTRY_QUERY, TABLE_ACCESS, type CustomerData } from './customer-data';
import type { Journeys } from './journeys';
import { OvertureFunction } from './overture-function';
import { ScopedResultWriter } from './scoped-result-writer';

/** Where the audience bucket's access logs go in the log bucket. */
const ACCESS_LOG_PREFIX = 'audiences/';

/**
 * The folder of the audience bucket the launcher writes each launch's batch results to, one
 * subfolder a launch: `launch-results/<launch id>/<map run id>/manifest.json` and the result files
 * the manifest lists (`SUCCEEDED_0.json`, …).
 */
export const LAUNCH_RESULTS_FOLDER = 'launch-results';

/** Props of {@link AudienceLauncher}. */
export interface AudienceLauncherProps {
  readonly environment: string;
  readonly data: CustomerData;
  readonly journeys: Journeys;
  readonly logRetention: RetentionDays;
  /** Keep the audience bucket when the stack is deleted. */
  readonly retainData: boolean;
  /**
   * How long launch audience files (under `launches/` and `inactivity/`) and launch results
   * (`launch-results/`) are kept. Scheduled journeys' files (`scheduled/`) are kept until replaced.
   * @default Duration.days(90)
   */
  readonly audienceRetention?: Duration;
}

/** The prefixes of files that serve one launch each, and expire after the audience retention. */
export const EXPIRING_AUDIENCE_PREFIXES = ['launches/', 'inactivity/', 'launch-results/'] as const;

/**
 * An upload that never completed (a marketer's `aws s3 cp` of a large CSV interrupted, a Distributed
 * Map result file cut short) leaves its parts in the bucket: no `aws s3 ls` lists them, no expiry
 * by age removes them, and they are kept, and billed, for ever. A day is long past any upload
 * still under way.
 */
const ABORT_INCOMPLETE_UPLOADS: LifecycleRule = { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) };

/**
 * The audience bucket's lifecycle: each launch's files expire `retention` after they were written,
 * by prefix, so that a scheduled journey's `scheduled/<journey>.csv`, which serves every run and
 * which a marketer may leave unchanged for months, is never deleted under a running schedule
 * (every run after would fail on the missing key). Replaced and deleted versions go after 7 days;
 * the parts of an upload that never completed, after a day ({@link ABORT_INCOMPLETE_UPLOADS}).
 */
function audienceLifecycle(retention: Duration): LifecycleRule[] {
  return [
    ...EXPIRING_AUDIENCE_PREFIXES.map((prefix) => ({ id: `expire-${prefix.slice(0, -1)}`, prefix, expiration: retention })),
    { id: 'old-versions', noncurrentVersionExpiration: Duration.days(7) },
    { id: 'expired-delete-markers', expiredObjectDeleteMarker: true },
    ABORT_INCOMPLETE_UPLOADS,
  ];
}

/**
 * Audience launches: a marketer (or the inactivity scan, or a schedule) puts an audience CSV in
 * the audience bucket — a header naming a `customerId` column and optionally an `entryKey` column,
 * see lib/ingest/audience-row.ts — and starts the launcher with
 * `{ "journey": "loyalty", "audienceKey": "launches/spring.csv" }`; the execution's name is the
 * launch id, except for a schedule's run, whose input names its scheduled time (`scheduledAt`):
 * the launch id is then `scheduled-<journey>-<scheduledAt>`, the same for every delivery of the run. A Distributed Map (a JSONata state) reads the CSV, keeps each row's customer id and
 * entry key and nothing else (ItemSelector: other columns are ignored and never reach an
 * execution), batches the rows (ItemBatcher) and runs the launch worker on each batch, at most
 * LAUNCH_MAX_CONCURRENCY at a time, so starts run at the StartExecution refill rate (see
 * lib/ingest/launch-sizing.ts). Every start is idempotent (deterministic execution names, entry
 * records), so a relaunch or a redriven batch starts nothing twice.
 *
 * What each batch did — `{ started, alreadyStarted, notEligible, unknownCustomers, invalidRows }`,
 * ids and row positions only — goes to the audience bucket (ResultWriter), under
 * `launch-results/<launch id>/`: a `manifest.json` naming the result files, each a JSON array of
 * batch results. The launcher's output is where the manifest is (`MapRunArn`,
 * `ResultWriterDetails`), never the results themselves, so no audience outgrows the 256 KiB state
 * limit.
 */
export class AudienceLauncher extends Construct {
  /** Audience files and, under `launch-results/`, what each launch did (ids only). */
  public readonly bucket: Bucket;
  /** Server access logs of the audience bucket. */
  public readonly accessLogs: Bucket;
  /** Starts the journey for one batch of an audience. */
  public readonly launchFunction: OvertureFunction;
  /** The launcher state machine. */
  public readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: AudienceLauncherProps) {
    super(scope, id);
    // The Map's ResultWriter is read from `resultWriterV2` only under this flag; without it the Map
    // would have none and collect every batch's result into its state. Set here, before any child,
    // so the launcher does not depend on the app's context.
    this.node.setContext(STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2, true);
    // Where data is not retained, the buckets are emptied (every version) before they are deleted:
    // CloudFormation cannot delete a bucket that holds objects, and a stack whose launches wrote
    // any would end its teardown in DELETE_FAILED.
    const removal = props.retainData
      ? { removalPolicy: RemovalPolicy.RETAIN }
      : { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true };
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365) }, ABORT_INCOMPLETE_UPLOADS],
      ...removal,
    });
    this.bucket = new Bucket(this, 'Audiences', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: audienceLifecycle(props.audienceRetention ?? Duration.days(90)),
      ...removal,
    });
    // Server access logs through a bucket policy (not the log-delivery ACL, which object
    // ownership "bucket owner enforced" forbids).
    (this.bucket.node.defaultChild as CfnBucket).loggingConfiguration = {
      destinationBucketName: this.accessLogs.bucketName,
      logFilePrefix: ACCESS_LOG_PREFIX,
    };
    this.accessLogs.addToResourcePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.accessLogs.arnForObjects(`${ACCESS_LOG_PREFIX}*`)],
        conditions: {
          ArnLike: { 'aws:SourceArn': this.bucket.bucketArn },
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        },
      }),
    );

    this.launchFunction = new OvertureFunction(this, 'LaunchFunction', {
      entry: 'functions/launcher/index.ts',
      serviceName: 'launcher',
      description: 'Starts a journey for one batch of an audience, idempotently',
      logRetention: props.logRetention,
      // A batch takes about 5 s (LAUNCH_BATCH_SIZE at STARTS_PER_WORKER_PER_SECOND). The limit
      // that matters is the Express child's 5 minutes: a batch that times out on every attempt
      // (4 × 60 s, plus the retries' 35 s of waiting) still ends inside it, so it fails the launch
      // as a failed batch rather than a killed child whose last retries never ran.
      timeout: Duration.seconds(60),
    });
    const queriesEntries = props.journeys.routes().some((route) => entryReadsOf(route.trigger).kind === 'all');
    this.launchFunction.bindCustomerTable(props.data, queriesEntries ? [...TABLE_ACCESS.launch, LAUNCH_ENTRY_QUERY] : TABLE_ACCESS.launch);
    props.journeys.bindStarter(this.launchFunction);

    // The batch as the Lambda's payload, its answer as the child's output: the state has no field
    // of either query language (no Parameters, Arguments or ResultPath), so it reads the same under
    // the state machine's JSONPath and the JSONata of the Map around it.
    const startBatch = new LambdaInvoke(this, 'StartBatch', {
      lambdaFunction: this.launchFunction,
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });
    startBatch.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(5), maxAttempts: 3, backoffRate: 2 });

    const startJourneys = DistributedMap.jsonata(this, 'StartJourneys', {
      itemReader: new S3CsvItemReader({
        bucket: this.bucket,
        key: '{% $states.input.audienceKey %}',
        csvHeaders: CsvHeaders.useFirstRow(),
      }),
      // Only the ids travel on: whatever else a marketer's file holds never reaches an execution.
      // Spelt out rather than derived from a column list, so no column is added here by accident.
      // JSONata rather than JSONPath because a file need not name the entryKey column: a JSONPath
      // to a field the row lacks fails the Map, where `$exists` gives such a row an empty entry
      // key, as a row that leaves it empty (its customer enters under the launch id). A file
      // without a customerId column still fails the launch: that expression returns nothing
      // (States.QueryEvaluationError).
      itemSelector: {
        customerId: '{% $states.context.Map.Item.Value.customerId %}',
        entryKey: "{% $exists($states.context.Map.Item.Value.entryKey) ? $states.context.Map.Item.Value.entryKey : '' %}",
      },
      itemBatcher: new ItemBatcher({
        maxItemsPerBatch: LAUNCH_BATCH_SIZE,
        batchInput: {
          journey: '{% $states.input.journey %}',
          // A schedule's run is one launch however often Scheduler delivers it (at least once, and
          // again on a retry, each time under a new execution name): its launch id is the run's
          // scheduled time, which every delivery of the run carries (ScheduledTriggers).
          launchId:
            "{% $exists($states.input.scheduledAt) ? 'scheduled-' & $states.input.journey & '-' & $states.input.scheduledAt : $states.context.Execution.Name %}",
          // The instant customers enter at, which re-entry rules count from: a schedule's run enters
          // them at its scheduled time, not when this delivery happened to start (seconds apart from
          // run to run), or `afterDays(7)` on a weekly schedule would keep them out of every run that
          // started a little sooner after the hour than the last.
          launchedAt: '{% $exists($states.input.scheduledAt) ? $states.input.scheduledAt : $states.context.Execution.StartTime %}',
        },
      }),
      maxConcurrency: LAUNCH_MAX_CONCURRENCY,
      // Each child runs one short Lambda: Express children cost less; no failure is tolerated
      // (the default), so a batch that keeps failing fails the launch and alarms.
      mapExecutionType: StateMachineType.EXPRESS,
      // Each batch's result (counts, ids without a profile, positions of invalid rows) goes to S3
      // rather than into the Map's result, which would outgrow the 256 KiB state limit on large
      // audiences (States.DataLimitExceeded); the Map's output is then where the results are:
      // `{ MapRunArn, ResultWriterDetails: { Bucket, Key } }`, Key the manifest's. COMPACT writes
      // the worker's answers as they are — not the children's inputs, rows as the file had them,
      // nor execution metadata — and JSON makes each result file one array of them.
      resultWriterV2: new ScopedResultWriter({
        bucket: this.bucket,
        folder: LAUNCH_RESULTS_FOLDER,
        subfolder: '$states.context.Execution.Name',
        writerConfig: new WriterConfig({ transformation: Transformation.COMPACT, outputType: OutputType.JSON }),
      }),
    });
    startJourneys.itemProcessor(startBatch);

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: `overture-${props.environment}-launcher`,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(startJourneys),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'ExecutionLogs', {
          logGroupName: `/aws/vendedlogs/states/overture-${props.environment}-launcher`,
          retention: props.logRetention,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        level: LogLevel.ERROR,
        includeExecutionData: false,
      },
    });
  }
}
