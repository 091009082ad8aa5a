/**
 * The one source of truth of the local runtime: the CloudFormation template that the CDK app
 * synthesizes. The app is synthesized in this process (in a worker thread; bundling of function
 * code skipped: the local runtime calls the handlers' code directly), written to `cdk.out/` like
 * `npx cdk synth` does, and read back from there: tables, queues, buckets, functions (their
 * environment), schedules and every state machine's definition.
 *
 * Journeys the stack does not define (inline journeys of a scenario) are compiled by the same
 * `JourneyStateMachine` construct into a companion stack of the same app, so their ASL also comes
 * out of a synthesized template, never from a second, hand-written copy (see synthesize-app.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as z from 'zod';
import type { AslDefinition } from '../journeys/asl';
import { JOURNEY_METADATA_KEY } from '../journeys/compile';
import type { Journey } from '../journeys/format';
import { journeyDefinitionsFromTemplate, localArnOf } from '../journeys/local-bindings';
import { compileJsonataField, type JsonataField } from './jsonata-fields';
import { LOCAL_ENVIRONMENT, LOCAL_JOURNEYS_STACK_NAME, LOCAL_STACK_NAME, SKIP_BUNDLING_CONTEXT } from './template-names';

/** Raised when the template holds something the local runtime cannot map. */
export class TemplateResolutionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TemplateResolutionError';
  }
}

const ResourceSchema = z.object({
  Type: z.string(),
  Properties: z.record(z.string(), z.unknown()).optional(),
  Metadata: z.record(z.string(), z.unknown()).optional(),
});
const TemplateSchema = z.object({ Resources: z.record(z.string(), ResourceSchema) });
/** A CloudFormation template, as far as the local runtime reads it. */
export type CfnTemplate = z.infer<typeof TemplateSchema>;

/** Options of {@link synthesizeLocalApp}. */
export interface SynthesizeOptions {
  /** Where the cloud assembly is written. @default `cdk.out` */
  readonly outdir?: string;
  /**
   * Journeys to make sure are in the assembly (catalog journeys by default): those the Overture
   * stack does not define are compiled into the companion stack.
   */
  readonly journeys?: readonly Journey[];
}

/** The synthesized app: every stack's template, read back from the assembly on disk. */
export interface SynthesizedApp {
  readonly outdir: string;
  /** Stack name → template. The Overture stack comes first. */
  readonly templates: ReadonlyMap<string, CfnTemplate>;
}

export { LOCAL_ENVIRONMENT, LOCAL_JOURNEYS_STACK_NAME, LOCAL_STACK_NAME, SKIP_BUNDLING_CONTEXT };

/** Apps synthesized by this process, by outdir and journeys: synthesis takes seconds, the app does not change. */
const synthesized = new Map<string, Promise<SynthesizedApp>>();

/** Raised when the synthesis fails; the message carries the CDK's own. */
export class SynthesisError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SynthesisError';
  }
}

/**
 * Synthesizes the CDK app (in a worker thread of this process, so the CDK's imports stay out of
 * the runtime's thread) and reads the templates back from `outdir`. The same outdir and journeys
 * synthesize once per process.
 */
export function synthesizeLocalApp(options: SynthesizeOptions = {}): Promise<SynthesizedApp> {
  const outdir = path.resolve(options.outdir ?? 'cdk.out');
  const key = JSON.stringify([outdir, options.journeys ?? null]);
  const known = synthesized.get(key);
  if (known !== undefined) return known;
  const app = synthesizeInWorker(outdir, options.journeys).then((stacks) => {
    const templates = new Map<string, CfnTemplate>();
    for (const stack of stacks) templates.set(stack.stackName, TemplateSchema.parse(JSON.parse(readFileSync(stack.templateFile, 'utf8'))));
    return { outdir, templates };
  });
  synthesized.set(key, app);
  app.catch(() => synthesized.delete(key));
  return app;
}

const SYNTH_WORKER = `
const { workerData } = require('node:worker_threads');
require(workerData.tsx);
require(workerData.module);
`;

const WorkerAnswerSchema = z.union([
  z.object({ stacks: z.array(z.object({ stackName: z.string(), templateFile: z.string() })) }),
  z.object({ error: z.string() }),
]);

function synthesizeInWorker(outdir: string, journeys: readonly Journey[] | undefined): Promise<Array<{ stackName: string; templateFile: string }>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(SYNTH_WORKER, {
      eval: true,
      workerData: { tsx: require.resolve('tsx/cjs'), module: path.join(__dirname, 'synthesize-worker.ts'), outdir, journeys },
    });
    worker.once('message', (message: unknown) => {
      const answer = WorkerAnswerSchema.safeParse(message);
      if (!answer.success) reject(new SynthesisError('the synthesis worker answered something unexpected'));
      else if ('error' in answer.data) reject(new SynthesisError(`synthesizing the app failed: ${answer.data.error}`));
      else resolve(answer.data.stacks);
      void worker.terminate();
    });
    worker.once('error', (error) => reject(new SynthesisError('the synthesis worker failed', { cause: error })));
    worker.once('exit', (code) => {
      if (code !== 0) reject(new SynthesisError(`the synthesis worker exited with status ${code}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Reading the resources

/** A table to create locally. */
export interface LocalTable {
  readonly logicalId: string;
  readonly tableName: string;
  readonly keySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  readonly attributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
  readonly globalSecondaryIndexes: { IndexName: string; KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[]; Projection: { ProjectionType?: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; NonKeyAttributes?: string[] } }[];
}

/** A queue to create locally. */
export interface LocalQueue {
  readonly logicalId: string;
  readonly queueName: string;
  readonly fifo: boolean;
}

/** A bucket to create locally. */
export interface LocalBucket {
  readonly logicalId: string;
  readonly bucketName: string;
}

/** A Lambda function of the template: its logical id and its environment (unresolved). */
export interface TemplateFunction {
  readonly logicalId: string;
  readonly stack: string;
  readonly environment: Record<string, unknown>;
}

/** A state machine of the template. */
export interface TemplateStateMachine {
  readonly logicalId: string;
  readonly stack: string;
  /** The journey it runs, from its `overture:journey` metadata. */
  readonly journey?: string;
  /** The definition with function ARNs as `arn:aws:lambda:local:…:function:<LogicalId>`. */
  readonly definition: AslDefinition;
}

/**
 * The audience launcher: a state machine whose Distributed Map reads an audience CSV from a bucket.
 * The Map is a JSONata state; its fields are compiled here as the template spells them and
 * evaluated by the local launcher (launcher.ts), so what it selects of a row is what AWS selects.
 */
export interface TemplateLauncher {
  readonly logicalId: string;
  /** The logical id of the bucket its ItemReader reads. */
  readonly bucketLogicalId?: string;
  /** Rows per batch (ItemBatcher.MaxItemsPerBatch). */
  readonly batchSize?: number;
  /** The key of the audience file (ItemReader.Arguments.Key). */
  readonly audienceKey: JsonataField;
  /** What each row becomes (ItemSelector, with `$states.context.Map.Item.Value` the row); absent: the row. */
  readonly itemSelector?: JsonataField;
  /** What each batch carries besides its items (ItemBatcher.BatchInput); absent: nothing. */
  readonly batchInput?: JsonataField;
  /** The Map's label in its Map Runs' ARNs: its `Label`, or its state name. */
  readonly mapLabel: string;
  /** Where the Map exports its children's results (ResultWriter); absent: it exports none. */
  readonly resultWriter?: TemplateResultWriter;
}

/**
 * A Distributed Map's ResultWriter exporting to S3, as far as the local runtime writes it: the
 * results of a Map Run under `<Prefix>/<map run id>/`, a `manifest.json` and `SUCCEEDED_0.json`,
 * each child's output as it is (COMPACT; FLATTEN splices arrays) in one JSON array.
 */
export interface TemplateResultWriter {
  /** The logical id of the bucket (Arguments.Bucket). */
  readonly bucketLogicalId: string;
  /** The key prefix (Arguments.Prefix); absent: none. */
  readonly prefix?: JsonataField;
  readonly transformation: 'COMPACT' | 'FLATTEN';
}

/** A daily schedule (EventBridge Scheduler `cron(M H * * ? *)`) and the function it invokes. */
export interface TemplateSchedule {
  readonly logicalId: string;
  readonly targetFunction: string;
  readonly hourUtc: number;
  readonly minuteUtc: number;
}

/** Everything the local runtime reads out of the synthesized templates. */
export interface LocalResources {
  readonly tables: LocalTable[];
  readonly queues: LocalQueue[];
  readonly buckets: LocalBucket[];
  readonly functions: TemplateFunction[];
  readonly stateMachines: TemplateStateMachine[];
  readonly launchers: TemplateLauncher[];
  readonly dailySchedules: TemplateSchedule[];
}

const KeySchemaSchema = z.array(z.object({ AttributeName: z.string(), KeyType: z.enum(['HASH', 'RANGE']) }));
const TablePropertiesSchema = z.object({
  TableName: z.unknown().optional(),
  KeySchema: KeySchemaSchema,
  AttributeDefinitions: z.array(z.object({ AttributeName: z.string(), AttributeType: z.enum(['S', 'N', 'B']) })),
  GlobalSecondaryIndexes: z
    .array(
      z.object({
        IndexName: z.string(),
        KeySchema: KeySchemaSchema,
        Projection: z.object({ ProjectionType: z.enum(['ALL', 'KEYS_ONLY', 'INCLUDE']).optional(), NonKeyAttributes: z.array(z.string()).optional() }),
      }),
    )
    .optional(),
});

/** Reads tables, queues, buckets, functions and state machines out of every template. */
export function localResources(app: SynthesizedApp): LocalResources {
  const resources: LocalResources = { tables: [], queues: [], buckets: [], functions: [], stateMachines: [], launchers: [], dailySchedules: [] };
  for (const [stack, template] of app.templates) {
    const journeys = journeyDefinitionsFromTemplate(template);
    const journeyOf = new Map<string, string>();
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      const properties = resource.Properties ?? {};
      switch (resource.Type) {
        case 'AWS::DynamoDB::GlobalTable':
        case 'AWS::DynamoDB::Table': {
          const table = TablePropertiesSchema.parse(properties);
          resources.tables.push({
            logicalId,
            tableName: typeof table.TableName === 'string' ? table.TableName : logicalId,
            keySchema: table.KeySchema,
            attributeDefinitions: table.AttributeDefinitions,
            globalSecondaryIndexes: table.GlobalSecondaryIndexes ?? [],
          });
          break;
        }
        case 'AWS::SQS::Queue': {
          const fifo = properties.FifoQueue === true || properties.FifoQueue === 'true';
          const name = typeof properties.QueueName === 'string' ? properties.QueueName : `${logicalId}${fifo ? '.fifo' : ''}`;
          resources.queues.push({ logicalId, queueName: name, fifo });
          break;
        }
        case 'AWS::S3::Bucket':
          resources.buckets.push({
            logicalId,
            bucketName: typeof properties.BucketName === 'string' ? properties.BucketName : logicalId.toLowerCase().slice(0, 63),
          });
          break;
        case 'AWS::Lambda::Function': {
          const environment = z
            .object({ Variables: z.record(z.string(), z.unknown()).optional() })
            .optional()
            .parse(properties.Environment);
          resources.functions.push({ logicalId, stack, environment: environment?.Variables ?? {} });
          break;
        }
        case 'AWS::StepFunctions::StateMachine': {
          const journey = resource.Metadata?.[JOURNEY_METADATA_KEY];
          if (typeof journey === 'string') journeyOf.set(logicalId, journey);
          else {
            const launcher = launcherOf(logicalId, properties.DefinitionString);
            if (launcher) resources.launchers.push(launcher);
          }
          break;
        }
        case 'AWS::Scheduler::Schedule': {
          const schedule = dailyScheduleOf(logicalId, properties);
          if (schedule) resources.dailySchedules.push(schedule);
          break;
        }
      }
    }
    for (const [logicalId, journey] of journeyOf) {
      const definition = journeys.get(journey);
      if (definition === undefined) throw new TemplateResolutionError(`state machine ${logicalId} of journey "${journey}" has no readable definition`);
      resources.stateMachines.push({ logicalId, stack, journey, definition });
    }
  }
  return resources;
}

/** How {@link joinedDefinition} writes a `Ref` or `Fn::GetAtt`: this, then the logical id. */
const REF = '@ref:';

/** The logical id a joined definition's `@ref:<LogicalId>` names; undefined for any other value. */
function refLogicalId(value: unknown): string | undefined {
  return typeof value === 'string' && value.startsWith(REF) ? value.slice(REF.length) : undefined;
}

/** Joins a `DefinitionString` (`Fn::Join`), writing each `Ref` or `Fn::GetAtt` as `@ref:<LogicalId>`. */
function joinedDefinition(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const join = z.tuple([z.string(), z.array(z.unknown())]).safeParse((value as { 'Fn::Join'?: unknown } | undefined)?.['Fn::Join']);
  if (!join.success) return undefined;
  return join.data[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = z.object({ Ref: z.string() }).safeParse(part);
      if (ref.success) return `${REF}${ref.data.Ref}`;
      const getAtt = z.object({ 'Fn::GetAtt': z.tuple([z.string(), z.string()]) }).safeParse(part);
      if (getAtt.success) return `${REF}${getAtt.data['Fn::GetAtt'][0]}`;
      return '@unresolved';
    })
    .join(join.data[0]);
}

const ResultWriterSchema = z
  .object({
    Resource: z.string().optional(),
    Arguments: z.object({ Bucket: z.unknown(), Prefix: z.unknown().optional() }).loose().optional(),
    Parameters: z.unknown().optional(),
    WriterConfig: z.object({ Transformation: z.string().optional(), OutputType: z.string().optional() }).loose().optional(),
  })
  .loose();

const DistributedMapSchema = z.object({
  Type: z.literal('Map'),
  QueryLanguage: z.string().optional(),
  Label: z.string().optional(),
  ItemSelector: z.record(z.string(), z.unknown()).optional(),
  ItemReader: z.object({ Arguments: z.object({ Bucket: z.string().optional(), Key: z.unknown() }).loose().optional() }).loose(),
  ItemBatcher: z.object({ MaxItemsPerBatch: z.number().int().positive().optional(), BatchInput: z.unknown().optional() }).loose().optional(),
  ResultWriter: ResultWriterSchema.optional(),
});

/**
 * The launcher described by a state machine definition: a Map state with an S3 ItemReader, which
 * must be a JSONata state (the local runtime evaluates its JSONata fields, see jsonata-fields.ts).
 */
function launcherOf(logicalId: string, definitionString: unknown): TemplateLauncher | undefined {
  const text = joinedDefinition(definitionString);
  if (text === undefined) return undefined;
  let definition: unknown;
  try {
    definition = JSON.parse(text);
  } catch {
    return undefined;
  }
  const machine = z.object({ QueryLanguage: z.string().optional(), States: z.record(z.string(), z.unknown()) }).safeParse(definition);
  if (!machine.success) return undefined;
  for (const [name, state] of Object.entries(machine.data.States)) {
    const map = DistributedMapSchema.safeParse(state);
    if (!map.success) continue;
    const where = `the launcher's Map state "${name}" (${logicalId})`;
    if ((map.data.QueryLanguage ?? machine.data.QueryLanguage) !== 'JSONata') {
      throw new TemplateResolutionError(`${where} is not a JSONata state; the local runtime evaluates only a JSONata Distributed Map`);
    }
    const reader = map.data.ItemReader.Arguments;
    if (reader === undefined) throw new TemplateResolutionError(`${where} has no ItemReader.Arguments naming the audience file`);
    const field = (value: unknown, location: string): JsonataField => {
      try {
        return compileJsonataField(value, location);
      } catch (error) {
        throw new TemplateResolutionError(`${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    };
    const batchInput = map.data.ItemBatcher?.BatchInput;
    const writer = map.data.ResultWriter;
    return {
      logicalId,
      bucketLogicalId: refLogicalId(reader.Bucket),
      batchSize: map.data.ItemBatcher?.MaxItemsPerBatch,
      audienceKey: field(reader.Key, 'ItemReader.Arguments.Key'),
      itemSelector: map.data.ItemSelector === undefined ? undefined : field(map.data.ItemSelector, 'ItemSelector'),
      batchInput: batchInput === undefined ? undefined : field(batchInput, 'ItemBatcher.BatchInput'),
      mapLabel: map.data.Label ?? name,
      resultWriter: writer === undefined ? undefined : resultWriterOf(writer, where, field),
    };
  }
  return undefined;
}

/**
 * The ResultWriter of the launcher's Map, when it exports to S3 (one with a WriterConfig alone
 * keeps the results in the state's output, and writes nothing). The local runtime writes only what
 * the Step Functions guide documents the layout of — COMPACT or FLATTEN results as a JSON array, to
 * a bucket of the template — and refuses anything else rather than guess its shape.
 */
function resultWriterOf(
  writer: z.infer<typeof ResultWriterSchema>,
  where: string,
  field: (value: unknown, location: string) => JsonataField,
): TemplateResultWriter | undefined {
  if (writer.Resource === undefined && writer.Arguments === undefined && writer.Parameters === undefined) return undefined;
  const refuse = (what: string) =>
    new TemplateResolutionError(`${where} has a ResultWriter ${what}; the local runtime writes a JSONata ResultWriter's results to a bucket of the template (Arguments.Bucket a Ref) with WriterConfig Transformation COMPACT or FLATTEN and OutputType JSON`);
  if (writer.Resource === undefined || !writer.Resource.endsWith(':states:::s3:putObject')) throw refuse(`whose Resource is ${JSON.stringify(writer.Resource)}, not s3:putObject`);
  if (writer.Arguments === undefined) throw refuse('without Arguments (JSONPath Parameters)');
  const bucketLogicalId = refLogicalId(writer.Arguments.Bucket);
  if (bucketLogicalId === undefined) throw refuse(`whose Bucket is ${JSON.stringify(writer.Arguments.Bucket)}, not a bucket of the template`);
  const transformation = writer.WriterConfig?.Transformation ?? 'NONE';
  if (transformation !== 'COMPACT' && transformation !== 'FLATTEN') throw refuse(`whose Transformation is ${transformation} (the children's executions, not their outputs)`);
  const outputType = writer.WriterConfig?.OutputType ?? 'JSON';
  if (outputType !== 'JSON') throw refuse(`whose OutputType is ${outputType}`);
  const prefix = writer.Arguments.Prefix;
  return {
    bucketLogicalId,
    prefix: prefix === undefined ? undefined : field(prefix, 'ResultWriter.Arguments.Prefix'),
    transformation,
  };
}

/** A daily `cron(M H * * ? *)` schedule in UTC and the function it targets. */
function dailyScheduleOf(logicalId: string, properties: Record<string, unknown>): TemplateSchedule | undefined {
  const parsed = z
    .object({
      ScheduleExpression: z.string(),
      ScheduleExpressionTimezone: z.string().optional(),
      Target: z.object({ Arn: z.object({ 'Fn::GetAtt': z.tuple([z.string(), z.string()]) }) }).loose(),
    })
    .loose()
    .safeParse(properties);
  if (!parsed.success || (parsed.data.ScheduleExpressionTimezone ?? 'UTC') !== 'UTC') return undefined;
  const cron = /^cron\((\d{1,2}) (\d{1,2}) \* \* \? \*\)$/.exec(parsed.data.ScheduleExpression);
  if (!cron) return undefined;
  return { logicalId, targetFunction: parsed.data.Target.Arn['Fn::GetAtt'][0], minuteUtc: Number(cron[1]), hourUtc: Number(cron[2]) };
}

/** The local stand-in ARN of a function (what a journey's Task states name). */
export function localFunctionArn(logicalId: string): string {
  return localArnOf(logicalId, 'AWS::Lambda::Function');
}

/** The logical id behind a local function ARN, or undefined. */
export function functionLogicalIdOf(arn: string): string | undefined {
  const marker = ':function:';
  const index = arn.indexOf(marker);
  return index < 0 ? undefined : arn.slice(index + marker.length);
}
