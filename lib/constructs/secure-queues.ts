import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** How long a dead letter waits for an operator: the SQS maximum. */
const DEAD_LETTER_RETENTION = Duration.days(14);

/**
 * How long a work queue keeps a message: half the dead-letter queue's. A standard queue's message
 * expires by its first enqueue time wherever it is, so a dead-letter queue that keeps messages no
 * longer than its source would drop a message moved there late within a day or so; this way one
 * dead-lettered at the last moment still waits 7 days for an operator.
 */
const WORK_QUEUE_RETENTION = Duration.days(7);

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
  /**
   * The age of the oldest message past which its consumer has stopped (a print vendor no longer
   * polling, a function failing before it deletes): `Operations` alarms then, well before the
   * queue's 7-day retention drops what waits unread, which nothing else would notice.
   * @default Duration.days(1)
   */
  readonly staleAfter?: Duration;
}

/**
 * A work queue (messages kept 7 days) and its dead-letter queue (14 days), both encrypted at rest
 * and TLS only.
 */
export class QueueWithDeadLetters extends Construct {
  /** The work queue. */
  public readonly queue: Queue;
  /** Where messages go after `maxReceiveCount` failed receives. */
  public readonly deadLetters: DeadLetterQueue;
  /** What the queue carries. */
  public readonly purpose: string;
  /** The oldest message's age past which its consumer has stopped (see {@link QueueWithDeadLettersProps.staleAfter}). */
  public readonly staleAfter: Duration;

  constructor(scope: Construct, id: string, props: QueueWithDeadLettersProps) {
    super(scope, id);
    this.purpose = props.purpose;
    this.staleAfter = props.staleAfter ?? Duration.days(1);
    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', { purpose: props.purpose });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: WORK_QUEUE_RETENTION,
      visibilityTimeout: props.visibilityTimeout ?? Duration.minutes(5),
      deadLetterQueue: { queue: this.deadLetters.queue, maxReceiveCount: props.maxReceiveCount ?? 5 },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
