/**
 * A provider that accepts the connection and never answers: the adapters built with
 * PROVIDER_CLIENT_CONFIG must give up after its requestTimeout and report an unknown outcome,
 * not hold the send Lambda until the Lambda's own timeout. The provider is a local TCP server
 * that reads the request and says nothing.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { EndUserMessagingSmsSender, PROVIDER_CLIENT_CONFIG, ProviderUnknownOutcomeError, SesEmailSender } from '../../lib/channels';

jest.setTimeout(30_000);

/**
 * The provider config's requestTimeout, cut to half a second so that waiting for it is no race
 * with a busy machine's clock; the rest of PROVIDER_CLIENT_CONFIG (throwOnRequestTimeout among it)
 * as the functions build their clients.
 */
const REQUEST_TIMEOUT_MS = 500;
/** Thirty times that: a send still pending then hangs, whatever the machine's load. */
const PATIENCE_MS = 15_000;

let server: Server;
let endpoint: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  sockets.forEach((socket) => socket.destroy());
  await new Promise((resolve) => server.close(resolve));
});

const clientOptions = () => ({
  ...PROVIDER_CLIENT_CONFIG,
  requestHandler: { ...PROVIDER_CLIENT_CONFIG.requestHandler, requestTimeout: REQUEST_TIMEOUT_MS },
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

/** What the send settled with, or 'still hanging' if it had not settled after `ms`. */
function settledWithin(ms: number, sending: Promise<unknown>): Promise<unknown> {
  const hanging = new Promise<'still hanging'>((resolve) => setTimeout(() => resolve('still hanging'), ms).unref());
  return Promise.race([sending.then(() => 'sent', (error: unknown) => error), hanging]);
}

it('gives up on an email to a provider that never answers, with an unknown outcome', async () => {
  // Prepare
  const sender = new SesEmailSender(new SESv2Client(clientOptions()), { fromEmailAddress: 'journeys@example.com', configurationSetName: 'cs' });

  // Act
  const result = await settledWithin(
    PATIENCE_MS,
    sender.send({
      to: 'ana@example.com',
      customerId: 'c-1',
      journey: 'welcome',
      step: 'welcome-email',
      topic: 'transactional',
      content: { subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' },
    }),
  );

  // Assess
  expect(result).toBeInstanceOf(ProviderUnknownOutcomeError);
});

it('gives up on a text to a provider that never answers, with an unknown outcome', async () => {
  // Prepare
  const sender = new EndUserMessagingSmsSender(new PinpointSMSVoiceV2Client(clientOptions()), {
    originationIdentity: 'pool-x',
    configurationSetName: 'cs',
  });

  // Act
  const result = await settledWithin(
    PATIENCE_MS,
    sender.send({ to: '+12125550143', customerId: 'c-1', journey: 'welcome', step: 'welcome-sms', topic: 'transactional', body: 'Hi' }),
  );

  // Assess
  expect(result).toBeInstanceOf(ProviderUnknownOutcomeError);
});
