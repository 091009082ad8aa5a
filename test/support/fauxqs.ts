/**
 * fauxqs, the SQS (and SNS, S3) emulator, started in-process on a free port.
 *
 * The local stack's own starter (`startSqsS3Emulator`: fauxqs is ESM-only, so it runs in a worker
 * thread); everything else goes through the ordinary SQS API, like the adapters themselves.
 */
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { PROVIDER_CLIENT_CONFIG } from '../../lib/channels/port';
import { startSqsS3Emulator } from '../../lib/local/emulators';

export interface Fauxqs {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** An SQS client pointed at the emulator, built like production clients (no SDK retries). */
  readonly sqs: SQSClient;
  /** Creates a queue (attributes as in CreateQueue, e.g. `{ FifoQueue: 'true' }`) and returns its URL. */
  createQueue(name: string, attributes?: Record<string, string>): Promise<string>;
  /** Receives and deletes every visible message of the queue, with all attributes. */
  receiveAll(queueUrl: string): Promise<Message[]>;
  stop(): Promise<void>;
}

/** Starts fauxqs on a free loopback port. */
export async function startFauxqs(): Promise<Fauxqs> {
  const emulator = await startSqsS3Emulator();
  const { endpoint } = emulator;
  const sqs = new SQSClient({
    ...PROVIDER_CLIENT_CONFIG,
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    endpoint,
    sqs,
    createQueue: async (name, attributes) => {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
      if (QueueUrl === undefined) throw new Error(`fauxqs returned no URL for queue ${name}`);
      return QueueUrl;
    },
    receiveAll: async (queueUrl) => {
      const received: Message[] = [];
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
            WaitTimeSeconds: 0,
          }),
        );
        if (Messages.length === 0) return received;
        received.push(...Messages);
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
          }),
        );
      }
    },
    stop: async () => {
      sqs.destroy();
      await emulator.stop();
    },
  };
}
