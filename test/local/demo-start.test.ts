/**
 * What `npm start` prints, followed as a person would: the consent API's address and a demo
 * customer's preference-centre link open, the hints name the data folder it runs on, and after a
 * restart the first-email line names a customer whose email went out after the restart — not one
 * whose step ran again and found its email already sent. The demo runs in a child process on a
 * data folder of its own, fast (about 5.5 virtual hours per second).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { localDynamoDBClientFor } from '../../lib/local/clients';
import { DATA_FILES } from '../../lib/local/data-files';
import { startDynamoDBEmulator } from '../../lib/local/emulators';
import { readExecutionRegistry } from '../../lib/local/step-functions';
import { SORT_KEY_PREFIXES } from '../../lib/store/table-design';
import { startDemo as startDemoOn, waitFor, type Demo } from './demo-process';
import { buildDemo } from '../../lib/local/demo';
import { overture } from '../support/cli';
import { temporaryDataDir, testOutdir } from './support';

jest.setTimeout(900_000);

const data = temporaryDataDir('demo-start');
const startDemo = (): Demo => startDemoOn(data);

/** Runs the demo until its first-email line, lets `whileRunning` look at it, then stops it with Ctrl-C. */
async function runUntilFirstEmail(whileRunning: (demo: Demo) => Promise<void> = async () => undefined): Promise<Demo> {
  const demo = startDemo();
  try {
    await waitFor(demo, () => demo.output.includes('First email in the mailbox'), 'the first email');
    await whileRunning(demo);
  } finally {
    demo.child.kill('SIGINT');
    await demo.exited;
  }
  return demo;
}

/** The line that names the first email's customer: its id and the rest of the command. */
const FIRST_EMAIL = /First email in the mailbox [\d.]+ s after npm start; why it went out: npx overture why ([^\s.]+)(.*)\n/;

/** The send-ledger entries of emails sent, by key (`CUSTOMER#id SEND#…`), in the stopped stack's data. */
async function sentEmails(): Promise<Set<string>> {
  const { tableName } = z.object({ tableName: z.string() }).parse(JSON.parse(readFileSync(path.join(data, DATA_FILES.stack), 'utf8')));
  const stored = await startDynamoDBEmulator({ dataPath: path.join(data, DATA_FILES.dynamodb) });
  const client = localDynamoDBClientFor(stored.endpoint);
  const keys = new Set<string>();
  try {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey, ConsistentRead: true }));
      for (const item of page.Items ?? []) {
        const sortKey = item.sk?.S ?? '';
        if (sortKey.startsWith(SORT_KEY_PREFIXES.sendLedger) && item.status?.S === 'sent' && item.channel?.S === 'email') keys.add(`${item.pk?.S ?? ''} ${sortKey}`);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  } finally {
    client.destroy();
    await stored.close();
  }
  return keys;
}

let firstRun: Demo;
let secondRun: Demo;
let index: { status: number; text: string };
let preferences: { status: number; text: string };
let sentBeforeRestart: Set<string>;
let sentAfterRestart: Set<string>;
let reRun: string[];

beforeAll(async () => {
  firstRun = await runUntilFirstEmail(async (demo) => {
    const api = /consent API.*? (http\S+)/.exec(demo.output)?.[1] ?? '';
    const link = /preference centre of \S+ +(http\S+)/.exec(demo.output)?.[1];
    const open = async (url: string | undefined) => {
      if (url === undefined) return { status: 0, text: 'no link printed' };
      const response = await fetch(url);
      return { status: response.status, text: await response.text() };
    };
    index = await open(api);
    preferences = await open(link);
  });
  sentBeforeRestart = await sentEmails();

  // A kill can land after a step sent its email and before the Wait after it was saved: the next
  // start then runs the execution again from its first state, and the send step answers `sent`
  // from the ledger. Every running execution is put in that state.
  const registry = path.join(data, DATA_FILES.executions);
  const running = (await readExecutionRegistry(registry)).filter((record) => record.status === 'RUNNING');
  for (const { checkpoint: _checkpoint, ...record } of running) appendFileSync(registry, `${JSON.stringify(record)}\n`);
  reRun = running.map((record) => record.name);

  secondRun = await runUntilFirstEmail();
  sentAfterRestart = await sentEmails();
});

afterAll(() => {
  for (const demo of [firstRun, secondRun]) if (demo?.child.exitCode === null) demo.child.kill('SIGKILL');
});

describe('npm start', () => {
  it('prints a consent API address that opens a page listing its routes', () => {
    // Assess
    expect(index.status).toBe(200);
    expect(index.text).toContain('<code>GET /preferences</code>');
    expect(index.text).toContain('<code>POST /consents</code>');
  });

  it("prints a demo customer's preference-centre link that opens the preference centre", () => {
    // Assess
    expect(preferences.status).toBe(200);
    expect(preferences.text).toContain('Your communication preferences');
  });

  it('prints ids, not personal data', () => {
    // Assess: the demo customers have addresses at example.com and phone numbers in E.164.
    expect(firstRun.output).not.toMatch(/[\w.+-]+@[\w-]+\.\w+|\+\d{8,}/);
  });

  it('names the data folder it runs on in the overture status and why it suggests', () => {
    // Assess
    expect(firstRun.output).toContain(`executions by journey and state   npx overture status --data ${data}\n`);
    expect(firstRun.output).toContain(`npx overture why CUSTOMER --data ${data} `);
    expect(FIRST_EMAIL.exec(firstRun.output)?.[2]).toBe(` --data ${data}.`);
  });

  it('names, after a restart, a customer whose email went out after it, not one whose step ran again', () => {
    // Prepare
    const named = FIRST_EMAIL.exec(secondRun.output)?.[1];
    const newEmails = [...sentAfterRestart].filter((key) => !sentBeforeRestart.has(key));

    // Assess: steps that had sent ran again, and the customer named got a new email.
    expect(secondRun.output).toContain('starting again on the data');
    expect(reRun.length).toBeGreaterThan(0);
    expect(named).toBeDefined();
    expect(newEmails.filter((key) => key.startsWith(`CUSTOMER#${named} `))).not.toEqual([]);
  });

  it('lets a demo customer who texts STOP opt out: the demo indexes the phone of every customer it seeds', async () => {
    // Prepare: a customer of this demo with SMS consent granted, as the demo built it.
    const state = z.object({ seed: z.number(), customers: z.number() }).parse(JSON.parse(readFileSync(path.join(data, 'demo.json'), 'utf8')));
    const texter = buildDemo(state.customers, state.seed).customers.find(
      (customer) => customer.phone !== undefined && customer.consents.some((consent) => consent.channel === 'sms' && consent.status === 'granted'),
    );
    if (texter?.phone === undefined) throw new Error('the demo has no customer with SMS consent');

    // Act: the stack is stopped, so the command runs on its data folder.
    const result = await overture('receive-sms', 'STOP', '--from', texter.phone, '--data', data, '--cdk-out', testOutdir('demo-start'), '--json');

    // Assess
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ kind: 'opted_out', keyword: 'STOP', customers: [{ customerId: texter.id, topics: ['marketing'] }] });
  });
});
