/**
 * fauxqs, the SQS (and SNS, S3) emulator, started in-process on a free port.
 *
 * The local stack's own starter (`startSqsS3Emulator`: fauxqs is ESM-only, so it runs in a worker
 * thread); everything else goes through the ordinary SQS API, like the adapters themselves.
 */
import dns from 'node:dns';
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

/**
 * Makes every `<name>.localhost` host resolve to 127.0.0.1 in this process, as fauxqs's own
 * `interceptLocalhostDns` does (fauxqs is ESM-only, so it cannot be imported here). Clients that
 * reach fauxqs through an endpoint variable (`AWS_ENDPOINT_URL_SQS`), as a Lambda entry's do,
 * rather than a configured endpoint send SQS requests to the host of the queue URL,
 * `sqs.<region>.localhost:<port>`, which not every resolver knows. Returns the function that puts
 * the resolver back.
 */
export function resolveLocalhostNames(): () => void {
  const original = dns.lookup;
  const loopback = { address: '127.0.0.1', family: 4 };
  const lookup = (hostname: string, options: unknown, callback: (...args: unknown[]) => void): void => {
    if (!hostname.endsWith('.localhost')) {
      (original as (...args: unknown[]) => void)(hostname, options, callback);
      return;
    }
    if (typeof options === 'object' && options !== null && (options as { all?: boolean }).all === true) callback(null, [loopback]);
    else callback(null, loopback.address, loopback.family);
  };
  dns.lookup = lookup as typeof dns.lookup;
  return () => {
    dns.lookup = original;
  };
}
