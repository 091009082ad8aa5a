import path from 'node:path';
import { simpleParser } from 'mailparser';
import { SesEmailSender, type EmailSenderConfig } from '../../lib/channels';
import type { CustomerSnapshot } from '../../lib/customer/model';
import { loadTemplateCatalog, personalizationFor, renderEmail } from '../../lib/templates';
import { messageLinks, tokenFromUrl, verifyToken, type LinkConfig } from '../../lib/unsubscribe';
import { startSesLocal, type SesLocal } from '../support/ses-local';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

const config: EmailSenderConfig = { fromEmailAddress: 'Overture <news@example.com>', configurationSetName: 'overture-marketing' };
const links: LinkConfig = { baseUrl: 'https://prefs.example.com/overture', secret: 'integration-test-secret-0123456789abcdef' };
const now = new Date('2026-03-02T22:00:00Z');

const snapshot: CustomerSnapshot = {
  profile: {
    customerId: 'c-001',
    stage: 'prospect',
    timezone: 'America/New_York',
    email: 'ana@example.com',
    updatedAt: '2026-03-01T12:00:00Z',
  },
  consents: [{ channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-01T12:00:00Z', source: 'web-form' }],
  preferences: {},
  suppressions: [],
  attributes: {
    firstName: { value: 'Ana <3 & co', changedAt: '2026-03-01T12:00:00Z' },
    interests: { value: ['running'], changedAt: '2026-03-01T12:00:00Z' },
  },
  frequency: { sends: [], version: 0 },
};

let ses: SesLocal;

beforeAll(async () => {
  ses = await startSesLocal();
});

afterAll(async () => {
  await ses.stop();
});

beforeEach(async () => {
  await ses.clear();
});

async function sendWelcome(topic: string): Promise<string> {
  const catalog = loadTemplateCatalog(path.join(__dirname, '../../workflows/templates'));
  const messageLinksForStep = messageLinks({ customerId: 'c-001', channel: 'email', topic }, links, now);
  const content = renderEmail(catalog.get('welcome'), personalizationFor(snapshot, messageLinksForStep, { senderPostalAddress: TEST_SENDER_POSTAL_ADDRESS }));
  const receipt = await new SesEmailSender(ses.client, config).send({
    to: 'ana@example.com',
    customerId: 'c-001',
    journey: 'welcome',
    step: 'welcome-email',
    topic,
    content,
    unsubscribeUrl: messageLinksForStep.unsubscribeUrl,
  });
  return receipt.providerMessageId;
}

describe('email through the SES v2 emulator', () => {
  it('delivers one marketing email whose raw MIME has both parts, both RFC 8058 headers and a verifiable token', async () => {
    // Act
    const messageId = await sendWelcome('marketing');
    // Assess
    const stored = await ses.messages();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ messageId, from: 'Overture <news@example.com>', destination: { to: ['ana@example.com'] } });

    const mime = await simpleParser(await ses.rawMessage(messageId));
    expect(mime.subject).toBe('Welcome, Ana <3 & co: here is what comes next');
    expect(mime.html).toContain('Hello Ana &lt;3 &amp; co,');
    expect(mime.text).toContain('Hello Ana <3 & co,');
    const headerLines = new Map(mime.headerLines.map((line) => [line.key, line.line]));
    const listUnsubscribe = headerLines.get('list-unsubscribe')?.replace(/\r?\n[ \t]+/g, ' ');
    expect(headerLines.get('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    const url = /^List-Unsubscribe: <(https:\/\/[^>]+)>$/.exec(listUnsubscribe ?? '')?.[1];
    expect(url).toMatch(/^https:\/\/prefs\.example\.com\/overture\/unsubscribe\?token=/);
    const claims = verifyToken(tokenFromUrl(url ?? ''), links.secret, { now, purpose: 'unsubscribe' });
    expect(claims).toMatchObject({ customerId: 'c-001', channel: 'email', topic: 'marketing', purpose: 'unsubscribe' });
    expect(mime.text).toContain(url);
  });

  it('delivers a transactional email without List-Unsubscribe headers', async () => {
    // Act
    const messageId = await sendWelcome('transactional');
    // Assess
    const mime = await simpleParser(await ses.rawMessage(messageId));
    expect(mime.headerLines.map((line) => line.key)).not.toContain('list-unsubscribe');
    expect(mime.html).toBeTruthy();
    expect(mime.text).toBeTruthy();
  });
});
