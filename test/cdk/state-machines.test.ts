import { Match } from 'aws-cdk-lib/assertions';
import { CATALOG } from '../../workflows';
import { LAUNCH_BATCH_SIZE, LAUNCH_MAX_CONCURRENCY, START_EXECUTION_REFILL_PER_SECOND, STARTS_PER_WORKER_PER_SECOND } from '../../lib/ingest/launch-sizing';
import { logicalIdOf, stateMachineDefinitions } from './template-queries';
import { synthesizeOverture, type SynthesizedOverture } from './synthesize';

type AslValidator = (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- asl-validator ships no type declarations; typed right here
const aslValidator = require('asl-validator') as AslValidator;

let synthesized: SynthesizedOverture;
let definitions: Map<string, Record<string, unknown>>;
beforeAll(() => {
  synthesized = synthesizeOverture();
  definitions = stateMachineDefinitions(synthesized.template);
});

describe('state machines', () => {
  it('are one per catalog journey plus the launcher, and every one passes asl-validator', () => {
    // Act (asl-validator fills defaults into what it checks, so it gets copies)
    const results = [...definitions].map(([id, definition]) => {
      const { isValid, errorsText } = aslValidator(structuredClone(definition));
      return { id, errors: isValid ? '' : errorsText('\n') };
    });

    // Assess
    expect(results).toHaveLength(CATALOG.length + 1);
    expect(results).toEqual(results.map(({ id }) => ({ id, errors: '' })));
  });

  it('are Standard, traced, and log errors without execution data', () => {
    synthesized.template.allResourcesProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false, Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } } }] },
    });
  });

  it('launch audiences with a Distributed Map over the CSV in S3, ids only, in batches, at the StartExecution refill rate', () => {
    // Prepare
    const { stack } = synthesized;
    const launcher = definitions.get(logicalIdOf(stack, stack.launcher.stateMachine));

    // Act
    const map = (launcher?.States as Record<string, Record<string, unknown>> | undefined)?.StartJourneys;

    // Assess
    expect(launcher?.StartAt).toBe('StartJourneys');
    expect(map).toMatchObject({
      Type: 'Map',
      QueryLanguage: 'JSONata',
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' } },
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
        Arguments: { Bucket: logicalIdOf(stack, stack.launcher.bucket).toLowerCase(), Key: '{% $states.input.audienceKey %}' },
      },
      ItemBatcher: {
        MaxItemsPerBatch: LAUNCH_BATCH_SIZE,
        BatchInput: {
          journey: '{% $states.input.journey %}',
          // A schedule's run is launched under its scheduled time, the same in every delivery of it; any other launch under its name.
          launchId:
            "{% $exists($states.input.scheduledAt) ? 'scheduled-' & $states.input.journey & '-' & $states.input.scheduledAt : $states.context.Execution.Name %}",
          launchedAt: '{% $exists($states.input.scheduledAt) ? $states.input.scheduledAt : $states.context.Execution.StartTime %}',
        },
      },
      MaxConcurrency: LAUNCH_MAX_CONCURRENCY,
    });
    // No tolerated failures (the ASL default): a batch that keeps failing fails the launch, and alarms.
    expect(map).not.toHaveProperty('ToleratedFailurePercentage');
    expect(map).not.toHaveProperty('ToleratedFailureCount');
    expect(LAUNCH_MAX_CONCURRENCY * STARTS_PER_WORKER_PER_SECOND).toBeLessThanOrEqual(START_EXECUTION_REFILL_PER_SECOND);
  });

  it("export each launch's batch results to the audience bucket under launch-results/<launch id>, the workers' answers as one JSON array, and output only where they are", () => {
    // Prepare
    const { stack } = synthesized;
    const launcher = definitions.get(logicalIdOf(stack, stack.launcher.stateMachine));

    // Act
    const map = (launcher?.States as Record<string, Record<string, unknown>> | undefined)?.StartJourneys;

    // Assess: COMPACT, so a result file holds what each batch's worker answered and nothing of
    // the batches' inputs; no Output, so the launcher's output is the Map's result with a
    // ResultWriter, `{ MapRunArn, ResultWriterDetails }`, however large the audience.
    expect(map?.ResultWriter).toStrictEqual({
      Resource: 'arn:aws:states:::s3:putObject',
      Arguments: {
        Bucket: logicalIdOf(stack, stack.launcher.bucket).toLowerCase(),
        Prefix: "{% 'launch-results/' & $states.context.Execution.Name %}",
      },
      WriterConfig: { Transformation: 'COMPACT', OutputType: 'JSON' },
    });
    expect(map).not.toHaveProperty('Output');
    expect(map).not.toHaveProperty('ResultSelector');
  });

  it('select exactly the customer id and the entry key of an audience row, the entry key only where the file has the column', () => {
    // Prepare
    const { stack } = synthesized;
    const launcher = definitions.get(logicalIdOf(stack, stack.launcher.stateMachine));

    // Act
    const map = (launcher?.States as Record<string, Record<string, unknown>> | undefined)?.StartJourneys;

    // Assess: JSONata, so a file without the entryKey column launches (a JSONPath to it would fail the Map).
    expect(map?.QueryLanguage).toBe('JSONata');
    expect(map?.ItemSelector).toStrictEqual({
      customerId: '{% $states.context.Map.Item.Value.customerId %}',
      entryKey: "{% $exists($states.context.Map.Item.Value.entryKey) ? $states.context.Map.Item.Value.entryKey : '' %}",
    });
  });

  it('hand each launch batch to the launch worker with ids only, retrying failed batches', () => {
    // Prepare
    const { stack } = synthesized;
    const launcher = definitions.get(logicalIdOf(stack, stack.launcher.stateMachine));

    // Act
    const processor = ((launcher?.States as Record<string, { ItemProcessor: { States: Record<string, Record<string, unknown>> } }>).StartJourneys)?.ItemProcessor.States.StartBatch;

    // Assess
    expect(processor).toMatchObject({
      Type: 'Task',
      Resource: `arn:aws:lambda:us-east-1:111122223333:function:${logicalIdOf(stack, stack.launcher.launchFunction)}`,
      Retry: expect.arrayContaining([expect.objectContaining({ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 3 })]),
    });
  });

  it("let the launch worker's retries of a batch that times out every time end within an Express child's 5 minutes", () => {
    // Prepare: a function timeout fails the Task with States.TaskFailed (Sandbox.Timedout)
    const { stack, template } = synthesized;
    const launcher = definitions.get(logicalIdOf(stack, stack.launcher.stateMachine));
    const task = (launcher?.States as Record<string, { ItemProcessor: { States: Record<string, { Retry?: RetryJson[]; TimeoutSeconds?: number }> } }>).StartJourneys
      ?.ItemProcessor.States.StartBatch;
    const retry = task?.Retry?.find((retrier) => retrier.ErrorEquals.includes('States.TaskFailed'));
    const functionTimeout = template.toJSON().Resources[logicalIdOf(stack, stack.launcher.launchFunction)].Properties.Timeout as number;

    // Act: every attempt runs to the timeout, and every wait is its longest (no jitter)
    const attempts = 1 + (retry?.MaxAttempts ?? 3); // the ASL defaults: 3 retries, 1 s, doubling
    const waits = Array.from({ length: attempts - 1 }, (_, index) => (retry?.IntervalSeconds ?? 1) * (retry?.BackoffRate ?? 2) ** index);
    const worstCaseSeconds = Math.min(functionTimeout, task?.TimeoutSeconds ?? Infinity) * attempts + waits.reduce((sum, wait) => sum + wait, 0);

    // Assess
    expect(retry).toBeDefined();
    expect(worstCaseSeconds).toBeLessThanOrEqual(EXPRESS_EXECUTION_LIMIT_SECONDS);
  });
});

/** An Express execution runs at most 5 minutes, then ends in States.Timeout. */
const EXPRESS_EXECUTION_LIMIT_SECONDS = 300;

/** One retrier of a Task, as the ASL writes it. */
interface RetryJson {
  readonly ErrorEquals: string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
}
