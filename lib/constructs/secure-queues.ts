import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** How long a dead letter waits for an operator: the SQS maximum. */
const DEAD_LETTER_RETENTION = Duration.days(14);

/** Props of {@link DeadLetterQueue}. */
export interface DeadLetterQueueProps {
  /** What fails into it, for the console (`ingest`, `direct mail`…). */
  readonly purpose: string;
}

/**
 * A dead-letter queue: encrypted at rest (SSE-SQS), TLS only, messages kept 14 days. It is the end
 * of an asynchronous path, so it has no dead-letter queue of its own.
 */
export class DeadLetterQueue extends Construct {
  /** The queue. */
  public readonly queue: Queue;
  /** What fails into it. */
  public readonly purpose: string;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.purpose = props.purpose;
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}

/** Props of {@link QueueWithDeadLetters}. */
export interface QueueWithDeadLettersProps {
  /** What the queue carries, for the console. */
  readonly purpose: string;
  /**
   * Receives after which a message moves to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * How long a consumer has to process a message.
   * @default Duration.minutes(5)
   */
  readonly visibilityTimeout?: Duration;
}

/** A work queue and its dead-letter queue, both encrypted at rest and TLS only. */
export class QueueWithDeadLetters extends Construct {
  /** The work queue. */
  public readonly queue: Queue;
  /** Where messages go after `maxReceiveCount` failed receives. */
  public readonly deadLetters: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: QueueWithDeadLettersProps) {
    super(scope, id);
    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', { purpose: props.purpose });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      visibilityTimeout: props.visibilityTimeout ?? Duration.minutes(5),
      deadLetterQueue: { queue: this.deadLetters.queue, maxReceiveCount: props.maxReceiveCount ?? 5 },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
