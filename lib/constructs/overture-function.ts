import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENVIRONMENT_VARIABLES } from '../ingest/environments';
import { METRICS_NAMESPACE } from '../runtime/metrics-namespace';
import { LAMBDA_DATA_FILES, LAMBDA_EXTERNAL_MODULES, LAMBDA_MAIN_FIELDS, LAMBDA_TARGET } from './bundling/lambda-bundling';
import type { CustomerData, TableAction } from './customer-data';
import { estimateEnvironmentSize, LAMBDA_ENVIRONMENT_LIMIT_BYTES } from './environment-size';

/** The project root: entries and bundled folders are relative to it. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** A folder copied into the function's bundle, e.g. the message templates of the send function. */
export interface BundledFolder {
  /** Relative to the project root, e.g. `workflows/templates`. */
  readonly from: string;
  /** Relative to the bundle root, e.g. `templates` (beside `index.js`). */
  readonly to: string;
}

/** Props of {@link OvertureFunction}. */
export interface OvertureFunctionProps {
  /** The handler file relative to the project root, e.g. `functions/ingest/index.ts`; it exports `handler`. */
  readonly entry: string;
  /** The function's role in the system (`ingest`, `send`…): Powertools service name and metric dimension. */
  readonly serviceName: string;
  /** What the function does, for the console. */
  readonly description: string;
  /** How long its logs are kept. */
  readonly logRetention: RetentionDays;
  /**
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Memory, which also sets the CPU share (and so the cold start).
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Environment variables besides the ones this construct and its `bind…` methods set.
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * Where asynchronous invocations (EventBridge, Scheduler, SNS) that fail after the retries go.
   * @default - none: the function is only invoked synchronously
   */
  readonly deadLetterQueue?: IQueue;
  /**
   * Folders copied into the bundle after esbuild ran.
   * @default - none
   */
  readonly bundledFolders?: readonly BundledFolder[];
  /**
   * Most concurrent executions, to keep a provider or a table partition within its limits.
   * @default - the account's unreserved concurrency
   */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * Every Overture Lambda: Node 22 on ARM64, X-Ray tracing, minified bundle with a source map that
 * uses the runtime's AWS SDK, and the data files it reads beside it (options in
 * `bundling/lambda-bundling.ts`, bundled by the local esbuild, never Docker), its own
 * log group with a retention, its own role that starts with nothing but writing to that log
 * group, and the Powertools service name. Access to anything else is added with the `bind…`
 * methods, which set the environment variable and grant exactly what the function needs together.
 */
export class OvertureFunction extends NodejsFunction {
  /** The function's log group. */
  public readonly functionLogGroup: LogGroup;
  /** The function's role; starts with write access to its own log group only. */
  public readonly executionRole: Role;

  constructor(scope: Construct, id: string, props: OvertureFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An explicit role instead of the default one, so no managed policy grants logs:* on every log group.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${props.serviceName} function`,
    });
    const folders = props.bundledFolders ?? [];
    super(scope, id, {
      entry: path.join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 1024,
      role,
      logGroup,
      deadLetterQueue: props.deadLetterQueue,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.CJS,
        target: LAMBDA_TARGET,
        mainFields: [...LAMBDA_MAIN_FIELDS],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // The runtime's AWS SDK, and data files that ship beside the bundle (see lambda-bundling.ts).
        externalModules: [...LAMBDA_EXTERNAL_MODULES],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            ...folders.map((folder) => `cp -R "${path.join(inputDir, folder.from)}" "${path.join(outputDir, folder.to)}"`),
            ...LAMBDA_DATA_FILES.map((file) => {
              const target = path.join(outputDir, file.to);
              return `mkdir -p "${path.dirname(target)}" && cp "${path.join(inputDir, file.from)}" "${target}"`;
            }),
          ],
        },
      },
    });
    this.functionLogGroup = logGroup;
    this.executionRole = role;
    logGroup.grantWrite(role);
    // Lambda refuses an environment over 4 KB only at deploy time, and the references in it
    // (ARNs, names CloudFormation generates) hide its size at synth: estimate it here, so a
    // catalog that outgrew it (its routes in JOURNEY_ROUTES) fails synth, not `cdk deploy` half-way.
    this.node.addValidation({ validate: () => this.environmentSizeErrors() });
  }

  private environmentSizeErrors(): string[] {
    const sizes = estimateEnvironmentSize(this.node.defaultChild as CfnFunction);
    const total = sizes.reduce((sum, variable) => sum + variable.bytes, 0);
    if (total <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) return [];
    const largest = sizes
      .slice(0, 3)
      .map((variable) => `${variable.name} ${variable.bytes}`)
      .join(', ');
    return [
      `The environment variables of function ${this.node.path} would take about ${total} bytes once deployed, over Lambda's ` +
        `limit of ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} (largest: ${largest}); deploy fewer journeys or move the largest value out of the environment`,
    ];
  }

  /**
   * Gives the function the customer table: its name in `CUSTOMER_TABLE_NAME` and exactly the
   * DynamoDB `actions` on it.
   */
  public bindCustomerTable(data: CustomerData, actions: readonly TableAction[]): void {
    this.addEnvironment(ENVIRONMENT_VARIABLES.customerTable, data.table.tableName);
    data.grantActions(this, actions);
  }

  /** Gives the function the customer table's name and a Query of its lapse index, nothing else of it. */
  public bindLapseIndex(data: CustomerData): void {
    this.addEnvironment(ENVIRONMENT_VARIABLES.customerTable, data.table.tableName);
    data.grantLapseIndexQuery(this);
  }

  /** Lets the function send to `queue` (only `sqs:SendMessage`), its URL in `variable`. */
  public bindQueueForSending(queue: IQueue, variable: string): void {
    this.addEnvironment(variable, queue.queueUrl);
    this.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
  }
}
