/**
 * aws-ses-v2-local, the SES v2 emulator, started in-process on a free port.
 *
 * The emulator keeps every accepted email in a store served as JSON at `/store`, and rebuilds a
 * message's raw MIME (with nodemailer) at `/get-emlContent?messageId=…`; both are read over HTTP
 * here, the way a person would inspect its mailbox. Its store is module-global: one emulator per
 * module registry (jest gives each test file its own), `clear()` between tests.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import startSesEmulator from 'aws-ses-v2-local';
import * as z from 'zod';
import { PROVIDER_CLIENT_CONFIG } from '../../lib/channels/port';

const StoredEmailSchema = z.object({
  messageId: z.string(),
  from: z.string(),
  replyTo: z.array(z.string()),
  destination: z.object({ to: z.array(z.string()), cc: z.array(z.string()), bcc: z.array(z.string()) }),
  subject: z.string(),
  body: z.object({ html: z.string().optional(), text: z.string().optional() }),
  headers: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
  at: z.number(),
});
/** One email as the emulator stored it. */
export type StoredEmail = z.infer<typeof StoredEmailSchema>;

const StoreSchema = z.object({ emails: z.array(StoredEmailSchema) });
const EmlSchema = z.object({ body: z.object({ type: z.literal('Buffer'), data: z.array(z.number()) }) });

export interface SesLocal {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** An SES v2 client pointed at the emulator, built like production clients (no SDK retries). */
  readonly client: SESv2Client;
  /** Every email accepted since the start or the last `clear()`, oldest first. */
  messages(): Promise<StoredEmail[]>;
  /** The raw MIME of one stored email, as the emulator renders it. */
  rawMessage(messageId: string): Promise<Buffer>;
  /** Empties the store. */
  clear(): Promise<void>;
  stop(): Promise<void>;
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return response.json();
}

/** Starts aws-ses-v2-local on a free loopback port. */
export async function startSesLocal(): Promise<SesLocal> {
  const server: Server = await startSesEmulator({ host: '127.0.0.1', port: 0 });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new SESv2Client({
    ...PROVIDER_CLIENT_CONFIG,
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    endpoint,
    client,
    messages: async () => StoreSchema.parse(await getJson(`${endpoint}/store`)).emails,
    rawMessage: async (messageId) => {
      const eml = EmlSchema.parse(await getJson(`${endpoint}/get-emlContent?messageId=${encodeURIComponent(messageId)}`));
      return Buffer.from(eml.body.data);
    },
    clear: async () => {
      const response = await fetch(`${endpoint}/clear-store`, { method: 'POST' });
      if (!response.ok) throw new Error(`clearing the SES store answered ${response.status}`);
    },
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
