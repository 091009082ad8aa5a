import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { QueryLanguage, ResultWriterV2, type WriterConfig } from 'aws-cdk-lib/aws-stepfunctions';

/**
 * What Step Functions needs on the objects it exports a Map Run's results to: it writes them with
 * multipart uploads (the ResultWriter page of the Step Functions developer guide, "IAM policies for
 * ResultWriter").
 */
const RESULT_WRITER_S3_ACTIONS = ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'] as const;

/** What a multipart upload under a customer managed key needs of that key. */
const RESULT_WRITER_KMS_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'] as const;

/** A folder of plain key characters: no leading or trailing slash, nothing a JSONata string would need escaped. */
const FOLDER = /^[A-Za-z0-9_.()!-]+(\/[A-Za-z0-9_.()!-]+)*$/;

/** Props of {@link ScopedResultWriter}. */
export interface ScopedResultWriterProps {
  /** The bucket the results go to (same account and region as the state machine). */
  readonly bucket: IBucket;
  /** The folder every result object is written under (`launch-results`), the only one the state machine may write to. */
  readonly folder: string;
  /**
   * A JSONata expression naming a subfolder of `folder` per execution, such as
   * `$states.context.Execution.Name`; only in a JSONata state.
   * @default - every Map Run writes straight under `folder`
   */
  readonly subfolder?: string;
  /** How the children's results are written (Transformation, OutputType). */
  readonly writerConfig: WriterConfig;
}

/**
 * The ResultWriter of a Distributed Map that exports its children's results to one folder of a
 * bucket, and grants the state machine that folder only: `ResultWriterV2` grants its actions on
 * every object of the bucket. Step Functions writes `<prefix>/<map run id>/manifest.json` and the
 * result files the manifest lists there. Under a bucket with a customer managed key the role also
 * gets the key's `kms:Decrypt` and `kms:GenerateDataKey`, which multipart uploads need.
 *
 * Takes effect through `DistributedMap`'s `resultWriterV2`, read only under the feature flag
 * `@aws-cdk/aws-stepfunctions:useDistributedMapResultWriterV2`.
 */
export class ScopedResultWriter extends ResultWriterV2 {
  private readonly target: IBucket;
  private readonly folder: string;
  private readonly perExecution: boolean;

  constructor(props: ScopedResultWriterProps) {
    if (!FOLDER.test(props.folder)) {
      throw new Error(`ScopedResultWriter: folder "${props.folder}" must be key segments of letters, digits and _ . ( ) ! -, joined by "/", without a leading or trailing "/"`);
    }
    super({
      bucket: props.bucket,
      prefix: props.subfolder === undefined ? props.folder : `{% '${props.folder}/' & ${props.subfolder} %}`,
      writerConfig: props.writerConfig,
    });
    this.target = props.bucket;
    this.folder = props.folder;
    this.perExecution = props.subfolder !== undefined;
  }

  /** Renders the ResultWriter; a per-execution subfolder is a JSONata expression, so the state must be one. */
  override render(queryLanguage?: QueryLanguage): unknown {
    if (this.perExecution && queryLanguage !== QueryLanguage.JSONATA) {
      throw new Error('ScopedResultWriter: a subfolder is a JSONata expression; use it in a JSONata Distributed Map (DistributedMap.jsonata) or drop it');
    }
    return super.render(queryLanguage);
  }

  /** The result writer's actions on the folder's objects, and on the bucket's key when it has one. */
  override providePolicyStatements(): PolicyStatement[] {
    const statements = [new PolicyStatement({ actions: [...RESULT_WRITER_S3_ACTIONS], resources: [this.target.arnForObjects(`${this.folder}/*`)] })];
    const key = this.target.encryptionKey;
    if (key !== undefined) statements.push(new PolicyStatement({ actions: [...RESULT_WRITER_KMS_ACTIONS], resources: [key.keyArn] }));
    return statements;
  }
}
