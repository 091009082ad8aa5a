/**
 * The one source of truth of the local runtime: the CloudFormation template that the CDK app
 * synthesizes. The app is synthesized in this process (bundling of function code skipped: the
 * local runtime calls the handlers' code directly), written to `cdk.out/` like `npx cdk synth`
 * does, and read back from there: tables, queues, buckets, functions (their environment) and
 * every state machine's definition.
 *
 * Journeys the stack does not define yet (or inline journeys of a scenario) are compiled by the
 * same `JourneyStateMachine` construct into a companion stack of the same app, so their ASL also
 * comes out of a synthesized template, never from a second, hand-written copy.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { z } from 'zod';
import { readConfig } from '../config';
import type { AslDefinition } from '../journeys/asl';
import { JOURNEY_METADATA_KEY } from '../journeys/compile';
import type { Journey } from '../journeys/format';
import { JourneyStateMachine } from '../journeys/journey-state-machine';
import { journeyDefinitionsFromTemplate, localArnOf } from '../journeys/local-bindings';
import { OvertureStack } from '../overture-stack';
import { CATALOG } from '../../workflows';

/** The CDK context that skips bundling of every stack (NodejsFunction assets become placeholders). */
export const SKIP_BUNDLING_CONTEXT = { 'aws:cdk:bundling-stacks': [] as string[] };

/** The environment name of the local stack (the `overture:environment` context). */
export const LOCAL_ENVIRONMENT = 'local';

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

/** The name of the stack the local runtime synthesizes. */
export const LOCAL_STACK_NAME = `Overture-${LOCAL_ENVIRONMENT}`;
/** The companion stack holding journeys the Overture stack does not define. */
export const LOCAL_JOURNEYS_STACK_NAME = `Overture-${LOCAL_ENVIRONMENT}-journeys`;

/** Logical ids of the companion stack's stand-in functions (bound to handlers by kind, never invoked). */
const STAND_IN_FUNCTIONS = { send: 'SendFunction', waitForEvent: 'WaitForEventFunction', journeyEffects: 'JourneyEffectsFunction' } as const;

/** Synthesizes the CDK app in this process and reads the templates back from `outdir`. */
export function synthesizeLocalApp(options: SynthesizeOptions = {}): SynthesizedApp {
  const outdir = path.resolve(options.outdir ?? 'cdk.out');
  const app = new App({ outdir, context: { ...SKIP_BUNDLING_CONTEXT, 'overture:environment': LOCAL_ENVIRONMENT } });
  const config = readConfig((key) => app.node.tryGetContext(key));
  const stack = new OvertureStack(app, LOCAL_STACK_NAME, { config, description: 'Overture on one machine' });

  const defined = new Set(journeysDefinedIn(stack));
  const missing = (options.journeys ?? CATALOG).filter((journey) => !defined.has(journey.id));
  if (missing.length > 0) companionJourneyStack(app, missing);

  const assembly = app.synth();
  const templates = new Map<string, CfnTemplate>();
  for (const artifact of [...assembly.stacks].sort((a, b) => (a.stackName === LOCAL_STACK_NAME ? -1 : b.stackName === LOCAL_STACK_NAME ? 1 : 0))) {
    const file = path.join(outdir, artifact.templateFile);
    templates.set(artifact.stackName, TemplateSchema.parse(JSON.parse(readFileSync(file, 'utf8'))));
  }
  return { outdir, templates };
}

/** Journey ids of the state machines a stack defines (by their `overture:journey` metadata). */
function journeysDefinedIn(stack: Stack): string[] {
  return stack.node
    .findAll()
    .filter((construct): construct is JourneyStateMachine => construct instanceof JourneyStateMachine)
    .map((machine) => machine.journey.id);
}

function companionJourneyStack(app: App, journeys: readonly Journey[]): void {
  const stack = new Stack(app, LOCAL_JOURNEYS_STACK_NAME);
  const standIn = (id: string): lambda.Function =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({});'),
    });
  const sendFunction = standIn(STAND_IN_FUNCTIONS.send);
  const waitForEventFunction = standIn(STAND_IN_FUNCTIONS.waitForEvent);
  const journeyEffectsFunction = standIn(STAND_IN_FUNCTIONS.journeyEffects);
  for (const journey of journeys) {
    new JourneyStateMachine(stack, `Journey-${journey.id}`, { journey, sendFunction, waitForEventFunction, journeyEffectsFunction, tracingEnabled: false });
  }
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

/** Everything the local runtime reads out of the synthesized templates. */
export interface LocalResources {
  readonly tables: LocalTable[];
  readonly queues: LocalQueue[];
  readonly buckets: LocalBucket[];
  readonly functions: TemplateFunction[];
  readonly stateMachines: TemplateStateMachine[];
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
  const resources: LocalResources = { tables: [], queues: [], buckets: [], functions: [], stateMachines: [] };
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
