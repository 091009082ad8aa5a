/**
 * The audience launcher on one machine. The interpreter has no Distributed Map, so the runtime
 * runs the launcher state machine's one state itself: it reads the audience CSV from the bucket,
 * keeps the columns the template's ItemSelector keeps — failing, as the Map does, when the file's
 * header does not name one of them — batches the rows as the ItemBatcher would
 * and hands each batch to the launch worker's code (`launchBatch`). The batches' results, summed,
 * are the execution's result — what the Map's ResultWriter would collect in AWS — and each batch
 * that ends is reported as progress, as DescribeMapRun's item counts would be.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import type { JourneyRoute } from '../ingest/journey-routes';
import { launchBatch } from '../ingest/launch-batch';
import { parseAudienceCsv } from './audience-csv';
import type { RunningExecution } from './step-functions';
import type { WorkQueue } from './work-queue';

/** The launcher's input: the journey and the audience CSV's key in the audience bucket. */
export const LauncherInputSchema = z.object({ journey: z.string().min(1), audienceKey: z.string().min(1) });

/** What a launch did, summed over its batches (ids only). */
const LaunchTotalsSchema = z.object({
  /** Rows of the audience file. */
  customers: z.number().int().nonnegative(),
  /** Customers who entered the journey. */
  started: z.number().int().nonnegative(),
  /** Customers this launch had started before. */
  alreadyStarted: z.number().int().nonnegative(),
  /** Customers the journey's re-entry rule kept out. */
  notEligible: z.number().int().nonnegative(),
  /** Customers without a profile: not started. */
  unknown: z.number().int().nonnegative(),
  /** Their ids, in file order. */
  unknownCustomers: z.array(z.string()),
  /** Rows without a valid customer id, or with an entry key that cannot be one. */
  invalidRows: z.number().int().nonnegative(),
});
export type LaunchTotals = z.infer<typeof LaunchTotalsSchema>;

/**
 * What `launchAudience` answers: the totals of a launch that ran now, or, for a launch id used
 * before, when that launch ran and how it ended (nothing was started this time).
 */
export const LaunchReportSchema = z.discriminatedUnion('outcome', [
  LaunchTotalsSchema.extend({
    outcome: z.literal('launched'),
    launch: z.string(),
    journey: z.string(),
    launchedAt: z.string(),
  }),
  z.object({
    outcome: z.literal('already_launched'),
    launch: z.string(),
    journey: z.string(),
    launchedAt: z.string(),
    /** How the earlier launcher execution of this id is, or ended. */
    status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED']),
  }),
]);
export type LaunchReport = z.infer<typeof LaunchReportSchema>;

/** How far a launch is: customers whose batch has ended, of all in the audience. */
export const LaunchProgressSchema = z.object({ processed: z.number().int().nonnegative(), total: z.number().int().positive() });
export type LaunchProgress = z.infer<typeof LaunchProgressSchema>;

/**
 * One line of a launch's answer over the stack's control route (JSON lines): progress after each
 * batch, then the report, or the error that ended the launch.
 */
export const LaunchAnswerLineSchema = z.union([
  z.object({ progress: LaunchProgressSchema }),
  z.object({ report: LaunchReportSchema }),
  z.object({ error: z.string() }),
]);
export type LaunchAnswerLine = z.infer<typeof LaunchAnswerLineSchema>;

/** A launcher execution running in this process: its progress as batches end, and its totals. */
export class LaunchRun {
  private readonly listeners = new Set<(progress: LaunchProgress) => void>();
  private latest: LaunchProgress | undefined;

  constructor(
    /** Resolves with the totals when the launch has ended; rejects when it failed. */
    readonly totals: Promise<LaunchTotals>,
  ) {}

  /** Calls `listener` with the progress so far, if any, and each time a batch ends. */
  onProgress(listener: (progress: LaunchProgress) => void): void {
    this.listeners.add(listener);
    if (this.latest !== undefined) listener(this.latest);
  }

  /** Records that a batch ended. */
  progressed(progress: LaunchProgress): void {
    this.latest = progress;
    for (const listener of this.listeners) listener(progress);
  }
}

/** What the launcher's one state needs from the runtime. */
interface LauncherContext {
  readonly s3: S3Client;
  readonly audienceBucket: string;
  readonly batchSize: number;
  /** The ItemSelector's projection of a row (field → column); absent: whole rows. */
  readonly itemColumns?: Readonly<Record<string, string>>;
  readonly work: WorkQueue;
  readonly ports: { dynamodb: DynamoDBClient; sfn: SFNClient; tableName: string; routes: readonly JourneyRoute[] };
}

/**
 * Runs one launcher execution: the Distributed Map's batches, one after another, each through the
 * launch worker's code. Resolves with the totals of every batch.
 */
export async function runLauncher(
  execution: RunningExecution,
  context: LauncherContext,
  onProgress: (progress: LaunchProgress) => void,
): Promise<LaunchTotals> {
  const input = LauncherInputSchema.parse(execution.input);
  // One work item for the whole launch, alone, so the clock does not move while the audience is
  // read and no customer's own work interleaves with the entries it claims.
  return context.work.runAlone(`launch:${execution.name}`, async () => {
    execution.enteredState('read-audience');
    const object = await context.s3.send(new GetObjectCommand({ Bucket: context.audienceBucket, Key: input.audienceKey }));
    const audience = parseAudienceCsv((await object.Body?.transformToString('utf8')) ?? '');
    const columns = context.itemColumns;
    const items = columns === undefined ? audience.rows : audience.rows.map((row) => selectColumns(row, audience.columns, columns));
    let started = 0;
    let alreadyStarted = 0;
    let notEligible = 0;
    let invalidRows = 0;
    const unknownCustomers: string[] = [];
    execution.enteredState('launch-batches');
    for (let first = 0; first < items.length; first += context.batchSize) {
      const batch = items.slice(first, first + context.batchSize);
      const result = await launchBatch(context.ports, {
        BatchInput: { journey: input.journey, launchId: execution.name, launchedAt: execution.startDate },
        Items: batch,
      });
      started += result.started;
      alreadyStarted += result.alreadyStarted;
      notEligible += result.notEligible;
      invalidRows += result.invalidRows.length;
      unknownCustomers.push(...result.unknownCustomers);
      onProgress({ processed: first + batch.length, total: items.length });
    }
    return { customers: items.length, started, alreadyStarted, notEligible, unknown: unknownCustomers.length, unknownCustomers, invalidRows };
  });
}

/**
 * Raised when the ItemSelector names a column the audience file's header does not: in AWS the
 * JSONPath to a field an item lacks fails the Map state with `States.Runtime`, so the local launch
 * fails with that error name too.
 */
export class ItemSelectorPathError extends Error {
  constructor(
    readonly field: string,
    readonly column: string,
  ) {
    super(`the JSONPath '$$.Map.Item.Value.${column}' of the ItemSelector field '${field}.$' could not be found: the audience file's header does not name a ${column} column`);
    this.name = 'States.Runtime';
  }
}

/**
 * A row as the Map's ItemSelector hands it on: only the selected columns, under their field names.
 * A CSV row has every column its header names, an empty field as `""`.
 */
function selectColumns(
  row: Readonly<Record<string, string>>,
  header: readonly string[],
  columns: Readonly<Record<string, string>>,
): Record<string, string> {
  const item: Record<string, string> = {};
  for (const [field, column] of Object.entries(columns)) {
    if (!header.includes(column)) throw new ItemSelectorPathError(field, column);
    item[field] = row[column] ?? '';
  }
  return item;
}
