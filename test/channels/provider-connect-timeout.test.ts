/**
 * A provider whose connection is never established (SYNs dropped: a network blip, a full accept
 * queue): the SDK gives up after PROVIDER_CLIENT_CONFIG's connectionTimeout. No byte of the request
 * left the machine, so the provider cannot have the message: the adapters must report it
 * unavailable (retried by Step Functions), not as an unknown outcome, which is never sent again.
 *
 * The provider is a listener in a child process that never accepts (its one thread blocked), with
 * its accept queue filled, so that the kernel drops further SYNs and a connect hangs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { EndUserMessagingSmsSender, PROVIDER_CLIENT_CONFIG, ProviderUnavailableError, SesEmailSender } from '../../lib/channels';

jest.setTimeout(60_000);

/** A listener with a backlog of 1 whose thread then blocks (without spinning) so that it never accepts. */
const NEVER_ACCEPTING_LISTENER = `
  const server = require('node:net').createServer();
  server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
    process.stdout.write(server.address().port + '\\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120000);
  });`;

let listener: ChildProcess;
let endpoint: string;
const fillers: Socket[] = [];

beforeAll(async () => {
  listener = spawn(process.execPath, ['-e', NEVER_ACCEPTING_LISTENER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => listener.stdout?.once('data', (data: Buffer) => resolve(Number(String(data).trim()))));
  endpoint = `http://127.0.0.1:${port}`;
  // Connections the kernel completes into the accept queue until it is full.
  for (let filler = 0; filler < 2; filler += 1) {
    await new Promise<void>((resolve) => fillers.push(connect(port, '127.0.0.1', resolve)));
  }
});

afterAll(() => {
  fillers.forEach((socket) => socket.destroy());
  listener.kill('SIGKILL');
});

/** PROVIDER_CLIENT_CONFIG as the functions build their clients, the connection timeout cut to half a second. */
const clientOptions = () => ({
  ...PROVIDER_CLIENT_CONFIG,
  requestHandler: { ...PROVIDER_CLIENT_CONFIG.requestHandler, connectionTimeout: 500 },
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

it('reports an email whose connection was never established as unavailable, so it is retried', async () => {
  // Prepare
  const sender = new SesEmailSender(new SESv2Client(clientOptions()), { fromEmailAddress: 'journeys@example.com', configurationSetName: 'cs' });

  // Act
  const error = await sender
    .send({ to: 'ana@example.com', customerId: 'c-1', journey: 'welcome', step: 'welcome-email', topic: 'transactional', content: { subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' } })
    .then(() => 'sent', (thrown: unknown) => thrown);

  // Assess
  expect(error).toBeInstanceOf(ProviderUnavailableError);
  expect(error).toMatchObject({ provider: 'ses', code: 'ConnectTimeout' });
});

it('reports a text whose connection was never established as unavailable, so it is retried', async () => {
  // Prepare
  const sender = new EndUserMessagingSmsSender(new PinpointSMSVoiceV2Client(clientOptions()), { originationIdentity: 'pool-1', configurationSetName: 'cs' });

  // Act
  const error = await sender
    .send({ to: '+12125550143', customerId: 'c-1', journey: 'welcome', step: 'welcome-text', topic: 'transactional', body: 'Hi' })
    .then(() => 'sent', (thrown: unknown) => thrown);

  // Assess
  expect(error).toBeInstanceOf(ProviderUnavailableError);
});
