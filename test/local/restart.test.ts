/**
 * `npm start` killed mid-run (SIGKILL: no chance to save anything) and started again on the same
 * data: no consent, ledger or send record is lost, and no step sends twice. The demo runs in a
 * child process on its own data folder, fast (about 5.5 virtual hours per second).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { localDynamoDBClientFor } from '../../lib/local/clients';
import { DATA_FILES, readSavedClock } from '../../lib/local/data-files';
import { readMailboxFile } from '../../lib/local/mailbox';
import { startDynamoDBEmulator } from '../../lib/local/emulators';
import { StackNoteSchema } from '../../lib/local/stack-note';
import { callStack } from '../../lib/cli/stack-client';
import { SORT_KEY_PREFIXES } from '../../lib/store/table-design';
import { startDemo as startDemoOn, waitFor, type Demo } from './demo-process';
import { temporaryDataDir } from './support';

jest.setTimeout(900_000);

const data = temporaryDataDir('restart');
const startDemo = (): Demo => startDemoOn(data);

/** The latest "sent N" of the demo's running summary. */
function sentSoFar(demo: Demo): number {
  const counts = [...demo.output.matchAll(/ sent (\d+)/g)].map((match) => Number(match[1]));
  return counts.at(-1) ?? 0;
}

/** The records that must survive. */
interface Records {
  readonly consents: Set<string>;
  readonly decisions: Set<string>;
  readonly sends: Map<string, { status: string; channel: string; providerMessageId?: string }>;
}

/** The stack's table name, kept in the data folder. */
function tableNameOf(): string {
  return z.object({ tableName: z.string() }).parse(JSON.parse(readFileSync(path.join(data, DATA_FILES.stack), 'utf8'))).tableName;
}

/** The records in the running stack's DynamoDB, through its endpoint. */
async function readRunningRecords(): Promise<Records> {
  const note = StackNoteSchema.parse(JSON.parse(readFileSync(path.join(data, DATA_FILES.endpoints), 'utf8')));
  return readRecords(note.endpoints.dynamodb ?? '', note.tableName);
}

/**
 * The records a stopped stack left on disk, read as `overture why` reads them: so they are
 * compared with the mailbox the stack saved as it stopped, not with a view taken before.
 */
async function readStoredRecords(): Promise<Records> {
  const stored = await startDynamoDBEmulator({ dataPath: path.join(data, DATA_FILES.dynamodb) });
  try {
    return await readRecords(stored.endpoint, tableNameOf());
  } finally {
    await stored.close();
  }
}

async function readRecords(endpoint: string, tableName: string): Promise<Records> {
  const client = localDynamoDBClientFor(endpoint);
  const records: Records = { consents: new Set(), decisions: new Set(), sends: new Map() };
  try {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey, ConsistentRead: true }));
      for (const item of page.Items ?? []) {
        const key = `${item.pk?.S ?? ''} ${item.sk?.S ?? ''}`;
        const sortKey = item.sk?.S ?? '';
        if (sortKey.startsWith(SORT_KEY_PREFIXES.consentLedger)) records.consents.add(key);
        if (sortKey.startsWith(SORT_KEY_PREFIXES.decision)) records.decisions.add(key);
        if (sortKey.startsWith(SORT_KEY_PREFIXES.sendLedger)) {
          records.sends.set(key, { status: item.status?.S ?? '', channel: item.channel?.S ?? '', providerMessageId: item.providerMessageId?.S });
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  } finally {
    client.destroy();
  }
  return records;
}

/**
 * A sign-up with an email consent sent to the running stack at its clock's now, as
 * `overture send-event` sends it: its consent-ledger entry is dated at that instant.
 */
async function signUpAtStackNow(): Promise<void> {
  const note = StackNoteSchema.parse(JSON.parse(readFileSync(path.join(data, DATA_FILES.endpoints), 'utf8')));
  const { now } = z.object({ now: z.string() }).parse(await callStack(note, 'GET', '/health'));
  await callStack(note, 'POST', '/events', {
    id: 'restart-late-sign-up',
    'detail-type': 'signed_up',
    source: 'overture.cli',
    time: now,
    detail: {
      customerId: 'c-late-sign-up',
      profile: { timezone: 'UTC', email: 'c-late-sign-up@example.com' },
      consents: [{ channel: 'email', topic: 'marketing', status: 'granted', proof: { source: 'restart-test' } }],
    },
  });
}

let beforeKill: Records;
/** The clock the killed stack left in its folder, and the records it left. */
let savedAfterKill: Date | undefined;
let recordedByKill: Records;
/** The emails the killed stack left in its folder's mailbox. */
let mailboxAfterKill: { messageId: string }[];
let afterRestart: Records;
let sentBeforeKill = 0;
let firstRun: Demo;
let secondRun: Demo;

beforeAll(async () => {
  const first = startDemo();
  firstRun = first;
  await waitFor(first, () => sentSoFar(first) >= 25, '25 messages');
  beforeKill = await readRunningRecords();
  sentBeforeKill = sentSoFar(first);
  await signUpAtStackNow();
  first.child.kill('SIGKILL');
  await first.exited;
  [savedAfterKill, recordedByKill, mailboxAfterKill] = await Promise.all([readSavedClock(data), readStoredRecords(), readMailboxFile(path.join(data, DATA_FILES.mailbox))]);

  secondRun = startDemo();
  await waitFor(secondRun, () => secondRun.output.includes('Ready after'), 'the restart');
  await waitFor(secondRun, () => sentSoFar(secondRun) >= sentBeforeKill + 15, '15 more messages after the restart');
  secondRun.child.kill('SIGINT');
  await secondRun.exited;
  afterRestart = await readStoredRecords();
});

afterAll(() => {
  if (secondRun?.child.exitCode === null) secondRun.child.kill('SIGKILL');
});

describe('npm start, killed mid-run and started again', () => {
  it('goes on from the saved data instead of starting over', () => {
    // Assess
    expect(secondRun.output).toContain('starting again on the data');
    expect(sentSoFar(secondRun)).toBeGreaterThan(sentBeforeKill);
  });

  it('names, on the first start, a customer whose email went out, for overture why', () => {
    // Act
    const named = /First email in the mailbox [\d.]+ s after npm start; why it went out: npx overture why ([^\s.]+)/.exec(firstRun.output)?.[1];

    // Assess
    expect(named).toBeDefined();
    const sentTo = [...afterRestart.sends].filter(([key, send]) => key.startsWith(`CUSTOMER#${named} `) && send.status === 'sent' && send.channel === 'email');
    expect(sentTo.length).toBeGreaterThan(0);
  });

  it('leaves a saved clock no earlier than anything it recorded, so what happens after the restart ranks after it', () => {
    // Prepare: consent-ledger and decision sort keys begin with their instant (CONSENT_LEDGER#<at>#…, DECISION#<at>#…)
    const instants = [...recordedByKill.consents, ...recordedByKill.decisions]
      .map((key) => /#(\d{4}-\d\d-\d\dT[\d:.]+Z)#/.exec(key)?.[1])
      .filter((at): at is string => at !== undefined)
      .map((at) => Date.parse(at));

    // Act
    const latest = Math.max(...instants);

    // Assess: a STOP sent to the stopped folder is dated after every grant already there
    expect(instants.length).toBeGreaterThan(0);
    expect(savedAfterKill?.getTime()).toBeGreaterThanOrEqual(latest);
  });

  it('keeps in the mailbox every email the send ledger held as sent when it was killed', () => {
    // Prepare
    const sentEmails = [...recordedByKill.sends.values()].filter((send) => send.status === 'sent' && send.channel === 'email').map((send) => send.providerMessageId);

    // Act
    const kept = new Set(mailboxAfterKill.map((email) => email.messageId));

    // Assess
    expect(sentEmails.length).toBeGreaterThan(0);
    expect(sentEmails.filter((id) => id === undefined || !kept.has(id))).toEqual([]);
  });

  it('loses no consent-ledger entry and no gate decision', () => {
    // Assess
    expect([...beforeKill.consents].filter((key) => !afterRestart.consents.has(key))).toEqual([]);
    expect([...beforeKill.decisions].filter((key) => !afterRestart.decisions.has(key))).toEqual([]);
    expect(beforeKill.consents.size).toBeGreaterThan(0);
  });

  it('loses no send-ledger entry, and a sent message stays sent with its provider id', () => {
    // Assess
    for (const [key, before] of beforeKill.sends) {
      const after = afterRestart.sends.get(key);
      expect(after).toBeDefined();
      if (before.status === 'sent') expect(after).toEqual(before);
      // A send cut off between reservation and settlement is never resent: it becomes unknown.
      if (before.status === 'pending') expect(['pending', 'sent', 'unknown']).toContain(after?.status);
    }
  });

  it('sends no step twice: every email in the mailbox and every text in the outbox is the one the ledger holds for its step', async () => {
    // Prepare
    const ledgerIds = new Set([...afterRestart.sends.values()].map((send) => send.providerMessageId).filter((id): id is string => id !== undefined));
    // A send whose settlement a stop cut off: `unknown` once retried, still `pending` if the stop came last.
    const unsettled = (channel: string): number =>
      [...afterRestart.sends.values()].filter((send) => (send.status === 'unknown' || send.status === 'pending') && send.channel === channel).length;
    const emails = await readMailboxFile(path.join(data, DATA_FILES.mailbox));
    const outbox = path.join(data, DATA_FILES.smsOutbox);
    const texts = (existsSync(outbox) ? readFileSync(outbox, 'utf8') : '')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => z.object({ messageId: z.string() }).parse(JSON.parse(line)));

    // Act
    const strayEmails = emails.filter((email) => !ledgerIds.has(email.messageId));
    const strayTexts = texts.filter((text) => !ledgerIds.has(text.messageId));

    // Assess
    expect(emails.length).toBeGreaterThan(0);
    // Only a message whose settlement a stop cut off may lack its id in the ledger.
    expect(strayEmails.length).toBeLessThanOrEqual(unsettled('email'));
    expect(strayTexts.length).toBeLessThanOrEqual(unsettled('sms'));
    expect(new Set(emails.map((email) => email.messageId)).size).toBe(emails.length);
  });
});
