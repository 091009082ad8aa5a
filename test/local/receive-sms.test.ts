/**
 * `overture receive-sms` and `POST /_overture/sms`: a customer's reply by text on the local
 * stack, handled by the sms-inbound code as on AWS. A capture that asks for texts leaves the SMS
 * consent pending and texts the number; a YES from that number confirms it, a STOP revokes it,
 * and the replies land in the SMS outbox. When no stack runs, the command works on the data
 * folder. Neither the number nor the text is ever repeated in what the command prints.
 */
import path from 'node:path';
import { CustomerIdSchema, type ConsentState } from '../../lib/customer/model';
import { startLocalStack, type LocalStack } from '../../lib/local/stack';
import { DEFAULT_SMS_CONFIRMED_TEXT } from '../../lib/sms-keywords/handle-inbound-sms';
import { overture } from '../support/cli';
import { temporaryDataDir, testOutdir } from './support';

jest.setTimeout(600_000);

const data = temporaryDataDir('receive-sms');
const cdkOut = testOutdir('receive-sms');
const PHONE = '+12125550143';
const CUSTOMER = 'texter-1';

/** A marketing text to the number, as the send path hands it to the provider. */
const aText = { to: PHONE, body: 'Spring sale. Reply STOP to opt out', customerId: CUSTOMER, journey: 'j', step: 's', topic: 'marketing' };

let stack: LocalStack;
let running: Promise<void>;

beforeAll(async () => {
  stack = await startLocalStack({ dataDir: data, port: 0, outdir: cdkOut });
  running = stack.run();
});

afterAll(async () => {
  await stack?.close();
  await running;
});

/** The customer's SMS marketing consent as the store holds it now. */
async function smsMarketing(runtimeStack: LocalStack = stack): Promise<ConsentState | undefined> {
  const snapshot = await runtimeStack.runtime.store.getSnapshot(CustomerIdSchema.parse(CUSTOMER));
  return snapshot?.consents.find((consent) => consent.channel === 'sms' && consent.topic === 'marketing');
}

/** The bodies of the texts the outbox accepted for `phone`, oldest first. */
function textsTo(phone: string): string[] {
  return stack.runtime.smsOutbox
    .messages()
    .filter((text) => text.input.DestinationPhoneNumber === phone)
    .map((text) => text.input.MessageBody ?? '');
}

describe('a reply by text on a running stack', () => {
  beforeAll(async () => {
    const response = await fetch(`${stack.urls.api}/consents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        customerId: CUSTOMER,
        timezone: 'America/New_York',
        phone: PHONE,
        channels: ['sms'],
        topics: ['marketing'],
        proof: { source: 'web-form', consentTextVersion: 'v3' },
      }),
    });
    expect(response.status).toBe(202);
  });

  it('leaves the captured SMS consent pending and texts the number to reply YES', async () => {
    // Assess
    expect((await smsMarketing())?.status).toBe('pending');
    expect(textsTo(PHONE)).toEqual([expect.stringContaining('reply YES')]);
  });

  it('refuses a number that is not E.164 with status 2, naming --from and never the value, and changes nothing', async () => {
    // Act
    const result = await overture('receive-sms', 'YES', '--from', '7185550199', '--data', data);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--from: must be an E.164 phone number');
    expect(result.stderr).toContain('nothing was received');
    expect(result.stderr).not.toContain('7185550199');
    expect((await smsMarketing())?.status).toBe('pending');
  });

  it('confirms the pending consent on a YES from that number, says so with ids only, and answers in the outbox', async () => {
    // Act
    const result = await overture('receive-sms', 'YES', '--from', PHONE, '--data', data);

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`by the stack at ${stack.urls.api}`);
    expect(result.stdout).toContain(`YES: SMS consent confirmed for ${CUSTOMER} (marketing)`);
    expect(result.stdout).not.toContain(PHONE);
    expect(await smsMarketing()).toMatchObject({ status: 'granted', source: 'sms-keyword:YES' });
    expect(textsTo(PHONE).at(-1)).toBe(DEFAULT_SMS_CONFIRMED_TEXT);
  });

  it('revokes on a STOP posted to the control route, and the outbox then refuses texts to the number', async () => {
    // Act
    const response = await fetch(`${stack.urls.control}/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: PHONE, text: 'stop' }),
    });

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ kind: 'opted_out', keyword: 'STOP', customers: [{ customerId: CUSTOMER, topics: ['marketing'] }] });
    expect((await smsMarketing())?.status).toBe('revoked');
    await expect(stack.runtime.smsOutbox.send(aText)).rejects.toThrow(
      expect.objectContaining({ name: 'RecipientOptedOutError' }),
    );
  });

  it('answers 400 naming the field for a body the route cannot take, and receives nothing', async () => {
    // Act
    const response = await fetch(`${stack.urls.control}/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: PHONE, text: '' }),
    });

    // Assess
    expect(response.status).toBe(400);
    const { message } = (await response.json()) as { message: string };
    expect(message).toContain('text: must not be empty');
    expect(message).not.toContain(PHONE);
  });
});

describe('a reply by text when no stack runs', () => {
  beforeAll(async () => {
    await stack.close();
    await running;
  });

  it('keeps the number on the opt-out list across a restart, as End User Messaging keeps its list', async () => {
    // Act
    const restarted = await startLocalStack({ dataDir: data, port: 0, outdir: cdkOut });

    // Assess
    try {
      await expect(restarted.runtime.smsOutbox.send(aText)).rejects.toThrow(expect.objectContaining({ name: 'RecipientOptedOutError' }));
    } finally {
      await restarted.close();
    }
  });

  it('works on the data folder, one command after the other: a STOP, then a START that opts the sole holder back in, which the next start of the stack finds', async () => {
    // Act: each command starts the runtime on the folder's saved clock, which no scheduler moves.
    const stopped = await overture('receive-sms', 'STOP', '--from', PHONE, '--data', data, '--cdk-out', cdkOut, '--json');
    const started = await overture('receive-sms', 'START', '--from', PHONE, '--data', data, '--cdk-out', cdkOut, '--json');

    // Assess
    expect([stopped.status, started.status]).toEqual([0, 0]);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ kind: 'opted_out' });
    expect(JSON.parse(started.stdout)).toEqual({ kind: 'opted_in', keyword: 'START', customerId: CUSTOMER, topics: ['marketing'] });
    const restarted = await startLocalStack({ dataDir: data, port: 0, outdir: cdkOut });
    try {
      expect(await smsMarketing(restarted)).toMatchObject({ status: 'granted', source: 'sms-keyword:START' });
      await expect(restarted.runtime.smsOutbox.send(aText)).resolves.toMatchObject({ segments: 1 });
    } finally {
      await restarted.close();
    }
  });

  it('refuses a data folder that does not exist, with status 1, and makes none', async () => {
    // Act
    const missing = path.join(data, 'no-such-folder');
    const result = await overture('receive-sms', 'YES', '--from', PHONE, '--data', missing);

    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`no local stack data in ${missing}`);
  });
});
