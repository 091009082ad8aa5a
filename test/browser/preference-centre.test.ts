/**
 * A customer in headless Chromium, with JavaScript off: signs up, confirms by email (the link opens
 * a page whose button confirms) and by replying YES to the confirmation text, changes the channel
 * order and the time window in the preference centre, then withdraws everything; after each step,
 * the ledger and the permission gate on a fresh snapshot show the change.
 */
import { DateTime } from 'luxon';
import type { Page } from 'playwright-core';
import { decideDelivery } from '../../lib/permission';
import { handleInboundSms } from '../../lib/sms-keywords/handle-inbound-sms';
import { captureBody, postJson, startConsentApiHarness, type ConsentApiHarness } from '../consent-api/harness';
import { launchChromium, saveScreenshot, type HeadlessChromium } from '../support/browser';
import { newCustomerId } from '../store/fixtures';

const ZONE = 'America/New_York';
const marketing = { topic: 'marketing', channels: ['email', 'sms'] } as const;

let api: ConsentApiHarness;
let browser: HeadlessChromium;
let page: Page;

beforeAll(async () => {
  api = await startConsentApiHarness({ start: '2026-03-02T14:00:00Z' });
  browser = await launchChromium({ javaScriptEnabled: false, locale: 'en-US', viewport: { width: 900, height: 900 } });
  page = await browser.context.newPage();
});

afterAll(async () => {
  await browser.close();
  await api.stop();
});

/** An instant at a local time of day on 3 March 2026 in the customer's zone. */
function localOn3March(hour: number, minute = 0): Date {
  return DateTime.fromObject({ year: 2026, month: 3, day: 3, hour, minute }, { zone: ZONE }).toJSDate();
}

describe('the preference centre in a browser', () => {
  const customerId = newCustomerId('browser');

  it('confirms the double opt-in from the link in the confirmation email', async () => {
    // Prepare
    await postJson(`${api.url}/consents`, captureBody(customerId, { topics: ['marketing', 'newsletter'] }));
    const [message] = await api.ses.messages();
    const link = /https?:\/\/\S+\/confirm\?token=[\w.-]+/.exec(message?.body.text ?? '')?.[0] ?? '';
    api.clock.advance(60_000);
    // Act
    const response = await page.goto(link);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Confirm your subscription');
    await saveScreenshot(page, 'double-opt-in-page');
    const opened = await api.store.requireSnapshot(customerId);
    await page.getByRole('button', { name: 'Yes, send me Offers and news' }).click();
    await page.getByRole('heading', { level: 1, name: 'Subscription confirmed' }).waitFor();
    // Assess
    expect(response?.status()).toBe(200);
    expect(opened.consents.find((state) => state.channel === 'email' && state.topic === 'marketing')?.status).toBe('pending');
    expect(page.url()).toBe(link);
    await saveScreenshot(page, 'double-opt-in-confirmed');
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(snapshot.consents.find((state) => state.channel === 'email' && state.topic === 'marketing')?.status).toBe('granted');
    expect(decideDelivery(snapshot, marketing, localOn3March(18))).toMatchObject({ kind: 'send', channel: 'email' });
  });

  it('labels every control and groups them, so the form reads without sight and without scripts', async () => {
    // Prepare
    api.clock.advance(60_000);
    // Act
    await page.goto(`${api.url}/preferences?token=${api.token(customerId, 'preferences')}`);
    // Assess
    await saveScreenshot(page, 'preference-centre-opened');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    // Runs in the page; typed structurally because this project compiles without the DOM library.
    const unlabelled = await page.$$eval('input:not([type=hidden]), select', (controls) =>
      (controls as unknown as Array<{ id: string; labels: { length: number } | null }>)
        .filter((control) => (control.labels?.length ?? 0) === 0)
        .map((control) => control.id),
    );
    expect(await page.locator('input:not([type=hidden]), select').count()).toBe(14);
    expect(unlabelled).toEqual([]);
    expect(await page.getByRole('group', { name: 'How we contact you, in order of preference' }).count()).toBe(1);
    expect(await page.getByRole('combobox', { name: 'First choice' }).inputValue()).toBe('email');
    expect(await page.getByRole('group', { name: 'Offers and news' }).getByRole('checkbox', { name: 'Email' }).isChecked()).toBe(true);
  });

  it('saves a new channel order and time window, which the gate uses at the next send', async () => {
    // Prepare: the customer confirms SMS by replying YES to the double opt-in text.
    api.clock.advance(60_000);
    const phone = captureBody(customerId).phone as string;
    const inbound = { store: api.store, phoneIndex: api.deps.phoneIndex, replies: api.smsOutbox, helpText: 'help' };
    const confirmed = await handleInboundSms(inbound, { originationNumber: phone, destinationNumber: '+12125550000', messageBody: 'YES', inboundMessageId: 'inbound-browser-yes' }, api.clock.now().toISOString());
    expect(confirmed.kind).toBe('confirmed');
    // Act
    await page.getByRole('combobox', { name: 'First choice' }).selectOption('sms');
    await page.getByRole('combobox', { name: 'Second choice' }).selectOption('email');
    const window = page.getByRole('group', { name: 'Preferred time of day' });
    await window.getByLabel('From').fill('18:30');
    await window.getByLabel('Until').fill('20:30');
    await page.getByRole('button', { name: 'Save my preferences' }).click();
    await page.waitForURL(/saved=1/);
    // Assess
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('Your preferences are saved');
    await saveScreenshot(page, 'preference-centre-saved');
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(snapshot.preferences).toEqual({ channels: ['sms', 'email'], preferredWindow: { start: '18:30', end: '20:30' } });
    expect(decideDelivery(snapshot, marketing, localOn3March(19))).toMatchObject({ kind: 'send', channel: 'sms' });
    expect(decideDelivery(snapshot, marketing, localOn3March(12))).toMatchObject({ kind: 'defer', channel: 'sms', until: localOn3March(18, 30) });
  });

  it('withdraws everything in one step, which the ledger proves and the gate obeys', async () => {
    // Prepare
    api.clock.advance(60_000);
    const ledgerBefore = await api.store.consentLedger(customerId);
    // Act
    await page.getByRole('button', { name: 'Withdraw all consent' }).click();
    await page.waitForURL(/saved=withdrawn/);
    // Assess
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('You have withdrawn all consent');
    await saveScreenshot(page, 'preference-centre-withdrawn');
    expect(await page.locator('input[name=consent]:checked').count()).toBe(0);

    const added = (await api.store.consentLedger(customerId)).slice(ledgerBefore.length);
    expect(added.map(({ channel, topic, status }) => `${channel}/${topic}/${status}`).sort()).toEqual([
      'email/marketing/revoked',
      'email/newsletter/revoked',
      'mail/marketing/revoked',
      'mail/newsletter/revoked',
      'sms/marketing/revoked',
      'sms/newsletter/revoked',
    ]);
    for (const entry of added) {
      expect(entry.proof).toMatchObject({ source: 'preference-centre-withdraw-all', ip: '127.0.0.1' });
      expect(entry.proof.userAgent).toMatch(/Chrome/);
    }

    const snapshot = await api.store.requireSnapshot(customerId);
    expect(decideDelivery(snapshot, { topic: 'marketing', channels: ['email'] }, localOn3March(19))).toMatchObject({ kind: 'skip', reason: 'no_consent' });
    expect(decideDelivery(snapshot, marketing, localOn3March(19))).toMatchObject({ kind: 'skip', reason: 'no_consent' });
    expect(decideDelivery(snapshot, { topic: 'newsletter', channels: ['sms', 'email'] }, localOn3March(19))).toMatchObject({ kind: 'skip', reason: 'no_consent' });
    expect(decideDelivery(snapshot, { topic: 'transactional', channels: ['email'] }, localOn3March(19))).toMatchObject({ kind: 'send', channel: 'email' });
  });

  it('downloads the consent record from the link on the page', async () => {
    // Act
    const href = await page.getByRole('link', { name: /Download every consent/ }).getAttribute('href');
    const response = await fetch(href ?? '');
    // Assess
    const exported = (await response.json()) as { ledger: unknown[]; customerId: string };
    expect(exported.customerId).toBe(customerId);
    expect(exported.ledger).toHaveLength((await api.store.consentLedger(customerId)).length);
  });
});
