/**
 * The audience launcher on one machine. The interpreter has no Distributed Map, so the runtime
 * runs the launcher state machine's one state itself, from the template's JSONata fields (see
 * template.ts and jsonata-fields.ts): it reads the audience CSV the ItemReader's key names from the
 * bucket as the ItemReader does (each row an object of every column the header names), makes each
 * row what the ItemSelector evaluates to, batches the items as the ItemBatcher would, with its
 * BatchInput, and hands each batch to `runBatch` (the launch worker's code, `launchBatch`). An expression that
 * returns nothing — a file whose header does not name a column the ItemSelector needs — fails the
 * launch with `States.QueryEvaluationError`, as it fails the Map in AWS. Each batch that ends is
 * reported as progress, as DescribeMapRun's item counts would be, and the batches' results, summed,
 * are the launch's totals (`overture launch` reports them).
 *
 * When the launch has run every batch, the batches' results are exported as the template's
 * ResultWriter has Step Functions export them (see `exportMapRunResults`): to its bucket, under its
 * Prefix (evaluated as the Map evaluates it) and the Map Run's id, a `manifest.json` naming
 * `SUCCEEDED_0.json`, which holds each batch's result. So what an operator finds in S3 here is what
 * they would find in AWS. A launch that fails exports nothing here; in AWS, Step Functions also
 * writes `FAILED_n.json` and `PENDING_n.json` (executions and inputs, not outputs) for a failed
 * Map Run, whose records the local runtime does not imitate.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { LaunchBatchSchema, type LaunchBatch, type LaunchBatchResult } from '../ingest/launch-batch';
import { localExecutionContext } from '../journeys/local-bindings';
import { CsvSyntaxError, isBlankRecord, readCsvRecords } from './csv-records';
import { QueryEvaluationError, type StatesVariable } from './jsonata-fields';
import type { RunningExecution } from './step-functions';
import { TemplateResolutionError, type TemplateLauncher, type TemplateResultWriter } from './template';
import type { WorkQueue } from './work-queue';

/** The launcher's input: the journey and the audience CSV's key in the audience bucket. */
export const LauncherInputSchema = z.object({ journey: z.string().min(1), audienceKey: z.string().min(1) });

/** What a launcher execution is asked to launch: a journey, and the audience file's key in the audience bucket. */
export type LauncherInput = z.infer<typeof LauncherInputSchema>;

/** What a launch did, summed over its batches (ids only). */
const LaunchTotalsSchema = z.object({
  /** Rows of the audience file. */
  customers: z.number().int().nonnegative(),
  /** Customers who entered the journey. */
  started: z.number().int().nonnegative(),
  /** Customers already started under the same entry key (by this launch before, or another launch with the row's key). */
  alreadyStarted: z.number().int().nonnegative(),
  /** Customers the journey's re-entry rule kept out. */
  notEligible: z.number().int().nonnegative(),
  /**
   * Customers the journey's trigger did not admit at the launch instant (an event trigger's `when`,
   * or an inactivity trigger's customer who came back): not started, no re-entry used up. Reports
   * written before it was counted read 0.
   */
  conditionNotMet: z.number().int().nonnegative().default(0),
  /** Customers without a profile: not started. */
  unknown: z.number().int().nonnegative(),
  /** Their ids, in file order. */
  unknownCustomers: z.array(z.string()),
  /** Rows without a valid customer id, or with an entry key that cannot be one. */
  invalidRows: z.number().int().nonnegative(),
});
export type LaunchTotals = z.infer<typeof LaunchTotalsSchema>;

/**
 * What `launchAudience` answers: the totals of a launch that ran now; for a launch of that id a
 * kill cut short, carried on now (`resumed`), the totals of its whole audience, the customers it
 * entered before the kill counted as `alreadyStarted`; or, for a launch id used before, when that
 * launch ran and how it ended (nothing was started this time).
 */
export const LaunchReportSchema = z.discriminatedUnion('outcome', [
  LaunchTotalsSchema.extend({
    outcome: z.literal('launched'),
    launch: z.string(),
    journey: z.string(),
    launchedAt: z.string(),
  }),
  LaunchTotalsSchema.extend({
    outcome: z.literal('resumed'),
    launch: z.string(),
    journey: z.string(),
    /** When the launch first started, before the kill. */
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

/**
 * Raised for a launch id used before for another journey or another audience: nothing is launched.
 * A launch id names one launch, as an execution name names one execution (Step Functions refuses a
 * reused name with another input, ExecutionAlreadyExists); answering how the earlier launch went
 * would tell the marketer the new audience was launched when none of it entered.
 */
export class LaunchIdTakenError extends Error {
  constructor(
    readonly launchId: string,
    /** The journey the earlier launch of this id launched. */
    readonly earlierJourney: string,
    /** When the earlier launch started. */
    readonly launchedAt: string,
    /** What differs: the journey, or (same journey) the audience. */
    readonly differs: 'journey' | 'audience',
  ) {
    super(
      `launch id ${launchId} was used at ${launchedAt} to launch ${earlierJourney}${differs === 'audience' ? ' with another audience' : ''}; nothing was launched: ` +
        'a launch id names one launch, of one journey and one audience, so choose another --id (or launch the same journey and audience again under this one to see how it went)',
    );
    this.name = 'LaunchIdTakenError';
  }
}

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

/** Where the launcher's Map exports its batches' results: the template's ResultWriter, its bucket's name resolved. */
export type LaunchResultExport = Omit<TemplateResultWriter, 'bucketLogicalId'> & {
  /** The bucket's name. */
  readonly bucket: string;
};

/** Runs one batch of the Map, as the launch worker would, and answers its result. */
export type LaunchBatchRunner = (batch: LaunchBatch) => Promise<LaunchBatchResult>;

/** What the launcher's one state needs from the runtime. */
interface LauncherContext {
  /**
   * Runs each batch: the launch worker's code in this process (the runtime), or the launch
   * Lambda's entry (the IAM test, so that its requests are the launch function's).
   */
  readonly runBatch: LaunchBatchRunner;
  readonly s3: S3Client;
  readonly audienceBucket: string;
  readonly batchSize: number;
  /** The launcher state machine's ARN (its Map Runs' ARNs are built on it). */
  readonly stateMachineArn: string;
  /** The template's Map state (absent when the template defines no launcher: every launch fails). */
  readonly map?: Pick<TemplateLauncher, 'audienceKey' | 'itemSelector' | 'batchInput' | 'mapLabel'>;
  /** Where the batches' results go (absent: the Map has no ResultWriter exporting them). */
  readonly resultExport?: LaunchResultExport;
  readonly work: WorkQueue;
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
  const map = context.map;
  if (map === undefined) throw new TemplateResolutionError('the template defines no audience launcher (a state machine with a Distributed Map reading a CSV)');
  // One work item for the whole launch, alone, so the clock does not move while the audience is
  // read and no customer's own work interleaves with the entries it claims.
  return context.work.runAlone(`launch:${execution.name}`, async () => {
    const executionContext = localExecutionContext({ name: execution.name, startTime: execution.startDate }, execution.input);
    const states: StatesVariable = { input: execution.input, context: executionContext };
    execution.enteredState('read-audience');
    const key = await map.audienceKey(states);
    if (typeof key !== 'string') throw new QueryEvaluationError(`the ItemReader's Key evaluated to ${JSON.stringify(key)}, not an object key`);
    const object = await context.s3.send(new GetObjectCommand({ Bucket: context.audienceBucket, Key: key }));
    const rows = csvItemsOf((await object.Body?.transformToString('utf8')) ?? '');
    const items: unknown[] = [];
    for (const [index, row] of rows.entries()) {
      items.push(map.itemSelector === undefined ? row : await map.itemSelector({ input: execution.input, context: { ...executionContext, Map: { Item: { Index: index, Value: row } } } }));
    }
    const batchInput = map.batchInput === undefined ? undefined : await map.batchInput(states);
    const results: LaunchBatchResult[] = [];
    execution.enteredState('launch-batches');
    for (let first = 0; first < items.length; first += context.batchSize) {
      const batch = items.slice(first, first + context.batchSize);
      // What the launch worker's handler receives, and parses as it does (functions/launcher).
      results.push(await context.runBatch(LaunchBatchSchema.parse({ BatchInput: batchInput, Items: batch })));
      onProgress({ processed: first + batch.length, total: items.length });
    }
    if (context.resultExport !== undefined) {
      execution.enteredState('write-results');
      const mapRunArn = localMapRunArn(context.stateMachineArn, map.mapLabel, execution.arn);
      await exportMapRunResults(context.s3, context.resultExport, { states, mapRunArn, outputs: results });
    }
    return totalsOf(items.length, results);
  });
}

/** The totals of a launch of `customers` rows whose batches answered `results`. */
function totalsOf(customers: number, results: readonly LaunchBatchResult[]): LaunchTotals {
  const unknownCustomers = results.flatMap((result) => result.unknownCustomers);
  const sum = (count: (result: LaunchBatchResult) => number) => results.reduce((total, result) => total + count(result), 0);
  return {
    customers,
    started: sum((result) => result.started),
    alreadyStarted: sum((result) => result.alreadyStarted),
    notEligible: sum((result) => result.notEligible),
    conditionNotMet: sum((result) => result.conditionNotMet),
    unknown: unknownCustomers.length,
    unknownCustomers,
    invalidRows: sum((result) => result.invalidRows.length),
  };
}

/**
 * The ARN of the Map Run of `executionArn`'s Map labelled `label`: `…:mapRun:<state machine>/<label>:<id>`,
 * as in AWS. AWS picks the id, a UUID; here it is derived from the execution, so a launch run again
 * (a redrive) keeps its Map Run's ARN, as a redriven Map Run does in AWS, and writes its results
 * in the same folder.
 */
function localMapRunArn(stateMachineArn: string, label: string, executionArn: string): string {
  const digest = createHash('sha256').update(`${executionArn}\n${label}`).digest();
  // A name-based UUID (RFC 9562: version 5's bits, over SHA-256 rather than SHA-1).
  digest[6] = ((digest[6] ?? 0) & 0x0f) | 0x50;
  digest[8] = ((digest[8] ?? 0) & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return `${stateMachineArn.replace(':stateMachine:', ':mapRun:')}/${label}:${id}`;
}

/** A Map Run's results manifest, as Step Functions writes it beside the result files. */
interface MapRunManifest {
  readonly DestinationBucket: string;
  readonly MapRunArn: string;
  readonly ResultFiles: Record<'FAILED' | 'PENDING' | 'SUCCEEDED', Array<{ Key: string; Size: number }>>;
}

/**
 * Exports the outputs of a Map Run whose children all succeeded as a ResultWriter does (the
 * Step Functions guide, "ResultWriter (Map)", Exporting to Amazon S3): under
 * `<Prefix>/<map run id>/` in the bucket, `SUCCEEDED_0.json` — the outputs as one JSON array, each
 * as it is (COMPACT; FLATTEN splices an output that is an array) — and `manifest.json`, written
 * last, naming it with its size. A Map Run without children writes the manifest alone. (Step
 * Functions starts `SUCCEEDED_1.json` past 5 GB; a launch's results are far smaller.)
 * @throws QueryEvaluationError when the Prefix does not evaluate to a string
 */
async function exportMapRunResults(
  s3: S3Client,
  target: LaunchResultExport,
  run: { readonly states: StatesVariable; readonly mapRunArn: string; readonly outputs: readonly unknown[] },
): Promise<void> {
  const prefix = target.prefix === undefined ? '' : await target.prefix(run.states);
  if (typeof prefix !== 'string') throw new QueryEvaluationError(`the ResultWriter's Prefix evaluated to ${JSON.stringify(prefix)}, not a key prefix`);
  const mapRunId = run.mapRunArn.slice(run.mapRunArn.lastIndexOf(':') + 1);
  const folder = prefix === '' ? mapRunId : `${prefix}/${mapRunId}`;
  const put = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: body, ContentType: 'application/json' }));
  const succeeded: MapRunManifest['ResultFiles']['SUCCEEDED'] = [];
  if (run.outputs.length > 0) {
    const results = target.transformation === 'FLATTEN' ? run.outputs.flatMap((output) => (Array.isArray(output) ? output : [output])) : run.outputs;
    const body = JSON.stringify(results);
    const key = `${folder}/SUCCEEDED_0.json`;
    await put(key, body);
    succeeded.push({ Key: key, Size: Buffer.byteLength(body, 'utf8') });
  }
  const manifest: MapRunManifest = { DestinationBucket: target.bucket, MapRunArn: run.mapRunArn, ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: succeeded } };
  await put(`${folder}/manifest.json`, JSON.stringify(manifest));
}

/**
 * Raised for a CSV the ItemReader cannot read: text that is not CSV, or a header that names a
 * column twice. Named as the error Step Functions fails the Map with.
 */
export class ItemReaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'States.ItemReaderFailed';
  }
}

/**
 * The rows of a CSV as the ItemReader (`CSVHeaderLocation: FIRST_ROW`) hands them to the
 * ItemSelector: one object a row, with every column the header names and nothing else (a field
 * the row lacks is `""`, a field beyond the header is dropped), values as written (RFC 4180
 * quoting, read by csv-parse; not trimmed). A byte-order mark and blank lines are skipped; a
 * header that names a column twice, or text that is not CSV, fails as the ItemReader does.
 */
export function csvItemsOf(text: string): Array<Record<string, string>> {
  let records: string[][];
  try {
    records = readCsvRecords(text, { trim: false }).flatMap((record) => (isBlankRecord(record) ? [] : [record.fields]));
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    throw new ItemReaderError(`the CSV could not be read: ${error.unclosedQuote ? 'a quote is not closed' : `it is not valid CSV (${error.code})`}.`);
  }
  const [header, ...rows] = records;
  if (header === undefined) return [];
  if (new Set(header).size < header.length) throw new ItemReaderError('CSV headers cannot contain duplicates.');
  return rows.map((record) => Object.fromEntries(header.map((column, index) => [column, record[index] ?? ''])));
}
