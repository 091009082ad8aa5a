import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { DefinitionBody, DistributedMap, OutputType, Pass, StateMachine, Transformation, WriterConfig } from 'aws-cdk-lib/aws-stepfunctions';
import { STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2 } from 'aws-cdk-lib/cx-api';
import { ScopedResultWriter, type ScopedResultWriterProps } from '../../lib/constructs/scoped-result-writer';
import { statementsOfRole } from './template-queries';

const COMPACT_JSON = new WriterConfig({ transformation: Transformation.COMPACT, outputType: OutputType.JSON });

/** A stack with one state machine: a Distributed Map (JSONata or JSONPath) exporting its results with `writer(bucket)`. */
function machineWith(writer: (bucket: Bucket) => ScopedResultWriterProps, options: { encryption?: BucketEncryption; jsonata?: boolean } = {}) {
  const stack = new Stack(new App({ context: { [STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2]: true } }), 'Writer');
  const bucket = new Bucket(stack, 'Results', { encryption: options.encryption ?? BucketEncryption.S3_MANAGED });
  const props = { resultWriterV2: new ScopedResultWriter(writer(bucket)) };
  const map = (options.jsonata ?? true) ? DistributedMap.jsonata(stack, 'Map', props) : DistributedMap.jsonPath(stack, 'Map', props);
  map.itemProcessor(new Pass(stack, 'Item'));
  const machine = new StateMachine(stack, 'Machine', { definitionBody: DefinitionBody.fromChainable(map) });
  return { stack, bucket, machine };
}

/** The S3 and KMS statements of the state machine's role. */
function storageStatements(stack: Stack, machine: StateMachine) {
  const template = Template.fromStack(stack);
  const role = stack.getLogicalId(machine.role.node.defaultChild as never);
  return statementsOfRole(template, role).filter((statement) => JSON.stringify(statement.Action).match(/"(s3|kms):/));
}

describe('ScopedResultWriter', () => {
  it('grants the result writer its actions on its folder only, however the prefix names a subfolder', () => {
    // Prepare
    const { stack, bucket, machine } = machineWith((results) => ({ bucket: results, folder: 'runs/results', subfolder: '$states.context.Execution.Name', writerConfig: COMPACT_JSON }));

    // Act
    const statements = storageStatements(stack, machine);

    // Assess
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [stack.getLogicalId(bucket.node.defaultChild as never), 'Arn'] }, '/runs/results/*']] },
      },
    ]);
  });

  it("grants the bucket's customer managed key for the multipart uploads, and that key only", () => {
    // Prepare
    const { stack, bucket, machine } = machineWith((results) => ({ bucket: results, folder: 'results', writerConfig: COMPACT_JSON }), { encryption: BucketEncryption.KMS });

    // Act
    const statements = storageStatements(stack, machine);

    // Assess
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: { 'Fn::GetAtt': [stack.getLogicalId(bucket.encryptionKey?.node.defaultChild as never), 'Arn'] },
    });
    expect(statements).toHaveLength(2);
  });

  it('renders a subfolder as a JSONata prefix under the folder, and no subfolder as the folder', () => {
    // Act
    const perExecution = machineWith((results) => ({ bucket: results, folder: 'results', subfolder: '$states.context.Execution.Name', writerConfig: COMPACT_JSON }));
    const shared = machineWith((results) => ({ bucket: results, folder: 'results', writerConfig: COMPACT_JSON }));

    // Assess
    const prefixOf = ({ stack }: { stack: Stack }) => JSON.stringify(Template.fromStack(stack).toJSON()).match(/\\"Prefix\\":\\"(.*?)\\"/)?.[1];
    expect(prefixOf(perExecution)).toBe("{% 'results/' & $states.context.Execution.Name %}");
    expect(prefixOf(shared)).toBe('results');
  });

  it('fails when the folder starts or ends with a slash, or holds a character a JSONata string would need escaped', () => {
    for (const folder of ['/results', 'results/', "it's", '']) {
      expect(() => machineWith((results) => ({ bucket: results, folder, writerConfig: COMPACT_JSON }))).toThrow(/folder .* must be key segments/);
    }
  });

  it('fails when a subfolder is used in a JSONPath Map, whose prefix cannot be a JSONata expression', () => {
    // Act & Assess: the state machine's definition is rendered as it is built.
    expect(() =>
      machineWith((results) => ({ bucket: results, folder: 'results', subfolder: '$states.context.Execution.Name', writerConfig: COMPACT_JSON }), { jsonata: false }),
    ).toThrow(/use it in a JSONata Distributed Map/);
  });
});
