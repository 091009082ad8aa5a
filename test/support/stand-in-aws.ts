/**
 * A stand-in endpoint for the two AWS APIs the functions call that have no local emulator:
 * Secrets Manager's GetSecretValue (the link-signing key of send and consent-api) and End User
 * Messaging SMS's SendTextMessage (texts of send, replies of sms-inbound). Both speak the AWS JSON
 * protocol, so the real SDK clients reach it through their ordinary endpoint variables
 * (`AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2`).
 *
 * A number can be made to answer as End User Messaging does for a number on its opt-out list
 * (ConflictException, DESTINATION_PHONE_NUMBER_OPTED_OUT) or as when throttled.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One text the endpoint accepted: the SendTextMessage input and the id it answered. */
export interface StandInText {
  readonly messageId: string;
  readonly input: Readonly<Record<string, unknown>> & { readonly DestinationPhoneNumber: string; readonly MessageBody: string };
}

export interface StandInAws {
  /** `http://127.0.0.1:<port>`, for both endpoint variables. */
  readonly endpoint: string;
  /** Texts accepted, oldest first. */
  readonly texts: readonly StandInText[];
  /** Makes texts to `phone` answer as for a number on the opt-out list. */
  optOut(phone: string): void;
  /** Makes texts to `phone` answer ThrottlingException. */
  throttle(phone: string): void;
  stop(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function answer(response: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

/** Starts the endpoint on a free loopback port; `secrets` are the SecretString of each secret id. */
export async function startStandInAws(secrets: Readonly<Record<string, string>>): Promise<StandInAws> {
  const texts: StandInText[] = [];
  const optedOut = new Set<string>();
  const throttled = new Set<string>();
  const server = createServer((request, response) => {
    void readBody(request).then((text) => {
      const body = JSON.parse(text === '' ? '{}' : text) as Record<string, unknown>;
      switch (request.headers['x-amz-target']) {
        case 'secretsmanager.GetSecretValue': {
          const id = String(body.SecretId);
          const secret = secrets[id];
          if (secret === undefined) return answer(response, 400, { __type: 'ResourceNotFoundException', message: `no secret ${id}` });
          return answer(response, 200, { ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${id}`, Name: id, SecretString: secret });
        }
        case 'PinpointSMSVoiceV2.SendTextMessage': {
          const input = body as StandInText['input'];
          if (optedOut.has(input.DestinationPhoneNumber)) {
            return answer(response, 400, { __type: 'ConflictException', message: 'opted out', Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT' });
          }
          if (throttled.has(input.DestinationPhoneNumber)) return answer(response, 400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
          const messageId = `stand-in-sms-${texts.length + 1}`;
          texts.push({ messageId, input });
          return answer(response, 200, { MessageId: messageId });
        }
        default:
          return answer(response, 400, { __type: 'UnknownOperationException', message: String(request.headers['x-amz-target']) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    texts,
    optOut: (phone) => optedOut.add(phone),
    throttle: (phone) => throttled.add(phone),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
