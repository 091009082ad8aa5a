/**
 * fauxqs, the SQS (and SNS, S3) emulator, started in-process on a free port.
 *
 * fauxqs ships as an ES module only, which jest's CommonJS module system cannot load. It therefore
 * runs in a worker thread of this same process, loaded by Node's own ESM loader; the worker only
 * starts and stops the server, and everything else goes through the ordinary SQS API, like the
 * adapters themselves. `fauxqs` is resolved from the working directory (the project root under jest
 * and npm scripts).
 */
import { Worker } from 'node:worker_threads';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { PROVIDER_CLIENT_CONFIG } from '../../lib/channels/port';

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

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
import('fauxqs').then(async ({ startFauxqs }) => {
  const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  parentPort.on('message', async (command) => {
    if (command !== 'stop') return;
    await server.stop();
    parentPort.postMessage({ stopped: true });
  });
  parentPort.postMessage({ port: server.port });
}).catch((error) => parentPort.postMessage({ error: String(error && error.stack || error) }));
`;

interface WorkerReply {
  port?: number;
  stopped?: boolean;
  error?: string;
}

function nextReply(worker: Worker): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    worker.once('message', (reply: WorkerReply) => (reply.error ? reject(new Error(`fauxqs: ${reply.error}`)) : resolve(reply)));
    worker.once('error', reject);
  });
}

/** Starts fauxqs on a free loopback port. */
export async function startFauxqs(): Promise<Fauxqs> {
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  const { port } = await nextReply(worker);
  if (port === undefined) throw new Error('fauxqs did not report its port');
  const endpoint = `http://127.0.0.1:${port}`;
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
      worker.postMessage('stop');
      await nextReply(worker);
      await worker.terminate();
    },
  };
}
