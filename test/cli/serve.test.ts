/**
 * `overture serve` as a person runs it: its own process, the URLs it prints, the other commands
 * talking to it while it runs, and Ctrl-C (SIGINT) closing it with nothing lost.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { localDynamoDBClientFor } from '../../lib/local/clients';
import { DATA_FILES } from '../../lib/local/data-files';
import { LaunchReportSchema } from '../../lib/local/launcher';
import { CustomerStore } from '../../lib/store/customer-store';
import { temporaryDataDir, testOutdir } from '../local/support';
import { overture } from '../support/cli';

jest.setTimeout(600_000);

const ROOT = path.resolve(__dirname, '..', '..');
const data = temporaryDataDir('serve');
const cdkOut = testOutdir('serve');

const ServedUrlsSchema = z.object({
  api: z.url(),
  control: z.url(),
  mailbox: z.url(),
  smsOutbox: z.string(),
  dynamodbEndpoint: z.url(),
});

/** Starts `overture serve` in a child process; resolves with the URLs it prints as JSON. */
function startServe(): Promise<{ child: ChildProcessWithoutNullStreams; urls: z.infer<typeof ServedUrlsSchema>; stderr: () => string }> {
  const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['bin/overture.ts', 'serve', '--port', '0', '--json', '--data', data, '--cdk-out', cdkOut], {
    cwd: ROOT,
    env: { ...process.env, PATH: `${path.join(ROOT, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}` },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      try {
        resolve({ child, urls: ServedUrlsSchema.parse(JSON.parse(stdout)), stderr: () => stderr });
      } catch {
        // The JSON is not complete yet.
      }
    });
    child.once('exit', (code) => reject(new Error(`overture serve exited with ${String(code)} before printing its URLs: ${stderr}`)));
  });
}

/** An audience file of these ids, beside the data folder. */
function audienceFile(name: string, ids: readonly string[]): string {
  const target = `${data}-${name}`;
  writeFileSync(target, `customerId\n${ids.join('\n')}\n`);
  return target;
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('overture serve', () => {
  let served: Awaited<ReturnType<typeof startServe>>;

  beforeAll(async () => {
    served = await startServe();
  });

  afterAll(() => {
    if (served.child.exitCode === null) served.child.kill('SIGKILL');
  });

  it('prints URLs that answer: stack control, mailbox and the DynamoDB endpoint', async () => {
    // Act
    const health = await fetch(`${served.urls.control}/health`);
    const mailbox = await fetch(served.urls.mailbox);
    const dynamodb = await fetch(served.urls.dynamodbEndpoint, { method: 'POST' });

    // Assess
    expect(health.status).toBe(200);
    expect(mailbox.status).toBe(200);
    expect(await mailbox.text()).toContain('<');
    // dynalite answers an unsigned request with a protocol error, which shows it is DynamoDB speaking.
    expect(dynamodb.status).toBe(400);
  });

  it('refuses a second stack on the same data folder, naming the one that runs', async () => {
    // Act
    const second = await overture('serve', '--port', '0', '--data', data, '--cdk-out', cdkOut);

    // Assess
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`a local stack already runs on ${data}`);
  });

  it('fails on a taken port with a message naming it and how to choose another, starting nothing', async () => {
    // Prepare: the port the running stack's endpoint holds.
    const taken = new URL(served.urls.api).port;
    const otherData = temporaryDataDir('serve-port');

    // Act
    const second = await overture('serve', '--port', taken, '--data', otherData, '--cdk-out', cdkOut);

    // Assess
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`port ${taken} on 127.0.0.1 is already in use`);
    expect(second.stderr).toContain('--port 0 for a free one');
    expect(existsSync(path.join(otherData, DATA_FILES.endpoints))).toBe(false);
  });

  it('takes events from the other commands while it runs: the journey starts and the email reaches the mailbox', async () => {
    // Act
    const sent = await overture(
      'send-event',
      'signed_up',
      '--customer',
      'c-serve-1',
      '--event-id',
      'signup-c-serve-1',
      '--profile',
      '{"timezone":"UTC","email":"c-serve-1@example.com"}',
      '--consents',
      '[{"channel":"email","topic":"marketing","status":"granted","proof":{"source":"serve-test"}}]',
      '--data',
      data,
      '--json',
    );
    const status = await overture('status', '--data', data, '--json');

    // Assess
    expect(sent.status).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({
      outcome: { journeys: [{ journey: 'welcome', execution: 'welcome-c-serve-1-signup-c-serve-1', outcome: 'started' }] },
    });
    expect(status.status).toBe(0);
    expect(status.stdout).toContain('welcome');
    await expect(waitForMailTo('c-serve-1@example.com')).resolves.toBe(true);
  });

  it('refuses on its control route an event the bus would not route, naming the field and the routed names, and ingests nothing', async () => {
    // Prepare: a valid event but for its misspelt name, posted as another program would, past the CLI's own check.
    const customerId = 'c-serve-unrouted';
    const event = {
      id: 'unrouted-1',
      'detail-type': 'signd_up',
      source: 'serve-test',
      time: '2026-03-02T10:00:00Z',
      detail: { customerId, profile: { timezone: 'UTC', email: `${customerId}@example.com` } },
    };

    // Act
    const response = await fetch(`${served.urls.control}/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(event) });

    // Assess
    expect(response.status).toBe(400);
    const { message } = z.object({ message: z.string() }).parse(await response.json());
    expect(message).toMatch(/^detail-type: "signd_up" is not an event the stack listens for; the bus routes: .*\bsigned_up\b.*\. Nothing was ingested\.$/);
    const client = localDynamoDBClientFor(served.urls.dynamodbEndpoint);
    try {
      const tableName = z.object({ tableName: z.string() }).parse(JSON.parse(readFileSync(path.join(data, DATA_FILES.stack), 'utf8'))).tableName;
      const store = new CustomerStore({ client, tableName });
      expect((await store.readEventState(customerId)).profile).toBeUndefined();
      expect(await store.attributeHistory(customerId, 'lastEvent.signd_up')).toEqual([]);
    } finally {
      client.destroy();
    }
  });

  it.each([
    ['GET', '/customers/%E0%A4%A/history', 'customer id'],
    ['POST', '/executions/%/redrive', 'execution name'],
    ['GET', '/journeys/%ZZ/results', 'journey id'],
  ])('answers %s %s, its path not percent-encoded right, with 400 naming the %s', async (method, route, what) => {
    // Act
    const response = await fetch(`${served.urls.control}${route}`, { method, headers: method === 'POST' ? { 'Content-Type': 'application/json' } : undefined });

    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ message: `the ${what} in the path is not percent-encoded right` });
  });

  it('launches through the running stack, waits for the launch to end and reports who entered, who was kept out and who is unknown', async () => {
    // Prepare: c-serve-1 is in welcome (the test before), and no prospect since, which welcome's `when` asks; c-serve-ghost has no profile.
    const audience = audienceFile('served.csv', ['c-serve-1', 'c-serve-ghost']);

    // Act
    const result = await overture('launch', 'welcome', '--audience', audience, '--data', data);

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /^Launched welcome to 2 customers as launch-welcome-[0-9a-f]{12}: 0 entered, 0 already in or not eligible \(re-entry rule\), 1 not admitted by the journey's entry conditions, 1 unknown \(no profile\): c-serve-ghost\n/,
    );
  });

  it('shows a large launch\'s progress on stderr and answers with one JSON object', async () => {
    // Prepare: three batches of the launcher's 100.
    const ids = Array.from({ length: 250 }, (_, index) => `c-large-${index}`);
    const audience = audienceFile('large.csv', ids);

    // Act
    const result = await overture('launch', 'loyalty', '--audience', audience, '--data', data, '--json');

    // Assess
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('launch: 100 of 250 customers done…\n');
    expect(result.stderr).toContain('launch: 200 of 250 customers done…\n');
    expect(LaunchReportSchema.parse(JSON.parse(result.stdout))).toMatchObject({ outcome: 'launched', customers: 250, started: 0, unknown: 250, unknownCustomers: ids });
  });

  it('refuses an --id that cannot be a launch id before it asks the stack, naming --id', async () => {
    // Prepare
    const audience = audienceFile('bad-id.csv', ['c-serve-1']);

    // Act
    const result = await overture('launch', 'welcome', '--audience', audience, '--id', 'bad id with spaces', '--data', data);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('overture: --id: must be 1–80 letters, digits, "_" or "-" (a launch id names executions, so ids only), nothing was launched\n');
  });

  it('refuses, through the stack, a launch id used before for another journey or another audience (status 2), launching nothing', async () => {
    // Prepare
    const first = audienceFile('reused-1.csv', ['c-reused-1']);
    expect((await overture('launch', 'loyalty', '--audience', first, '--id', 'reused', '--data', data)).status).toBe(0);

    // Act
    const otherJourney = await overture('launch', 'welcome', '--audience', first, '--id', 'reused', '--data', data);
    const otherAudience = await overture('launch', 'loyalty', '--audience', audienceFile('reused-2.csv', ['c-reused-2']), '--id', 'reused', '--data', data, '--json');
    const same = await overture('launch', 'loyalty', '--audience', first, '--id', 'reused', '--data', data, '--json');

    // Assess
    expect(otherJourney).toMatchObject({ status: 2, stdout: '' });
    expect(otherJourney.stderr).toMatch(/\noverture: launch id reused was used at \S+ to launch loyalty; nothing was launched: .* choose another --id/);
    expect(otherAudience).toMatchObject({ status: 2, stdout: '' });
    expect(otherAudience.stderr).toMatch(/\noverture: launch id reused was used at \S+ to launch loyalty with another audience; nothing was launched: .* choose another --id/);
    expect(same.status).toBe(0);
    expect(JSON.parse(same.stdout)).toMatchObject({ outcome: 'already_launched', launch: 'reused', journey: 'loyalty' });
  });

  it("refuses on its launch route a journey with a transactional send step (400), naming it and why, launching nothing", async () => {
    // Act: prospect-nurture's first ask skips consent, as a reply to the lead's own request.
    const response = await fetch(`${served.urls.control}/launches`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ journey: 'prospect-nurture', csv: 'customerId\nc-serve-1\n', launchId: 'nurture-everyone' }),
    });

    // Assess
    expect(response.status).toBe(400);
    expect(z.object({ message: z.string() }).parse(await response.json()).message).toMatch(/^journey "prospect-nurture" sends a transactional message.*only the customer's own event may start it.*nothing was launched$/);
  });

  it('takes an audience of more than 16 MiB on its launch route, which other routes refuse', async () => {
    // Prepare: one row too long to be a customer id, so the route reads and checks it all, and launches nothing.
    const csv = `customerId\n${'x'.repeat(17 * 1024 * 1024)}\n`;

    // Act
    const response = await fetch(`${served.urls.control}/launches`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ journey: 'loyalty', csv, launchId: 'over-16-mib' }) });

    // Assess
    expect(response.status).toBe(400);
    expect(z.object({ message: z.string() }).parse(await response.json()).message).toMatch(/^line 2, column customerId: /);
  });

  it('says there is no such customer (status 2) for an id with no profile, through the stack\'s history route', async () => {
    // Act
    const result = await overture('why', 'unknown-zz', '--data', data);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('overture: no customer unknown-zz: it has no profile and nothing was recorded for it\n');
  });

  it('shows what a journey did, step by step, through the stack\'s results route', async () => {
    // Act
    const result = await overture('results', 'welcome', '--data', data, '--json');

    // Assess
    expect(result.status).toBe(0);
    const answer = JSON.parse(result.stdout) as { running: boolean; results: { journey: string; steps: { step: string; sent: Record<string, number> }[] } };
    expect(answer.running).toBe(true);
    expect(answer.results.journey).toBe('welcome');
    expect(answer.results.steps.find((step) => step.step === 'welcome-email')?.sent.email).toBeGreaterThanOrEqual(1);
  });

  it('stops on Ctrl-C with status 0, keeping the data for the next start', async () => {
    // Act
    const exited = exitOf(served.child);
    served.child.kill('SIGINT');
    const code = await exited;

    // Assess
    expect(code).toBe(0);
    expect(served.stderr()).toContain('stopped; the data folder keeps everything for the next start');
    expect(existsSync(path.join(data, DATA_FILES.mailbox))).toBe(true);
    const why = await overture('why', 'c-serve-1', '--data', data);
    expect(why.stdout).toContain('welcome/welcome-email  sent by email');
  });

  /** Polls the mailbox emulator's JSON store until a message to `address` shows up (or 60 s pass). */
  async function waitForMailTo(address: string): Promise<boolean> {
    for (let attempt = 0; attempt < 120; attempt += 1) {
      const response = await fetch(`${served.urls.mailbox.replace(/\/$/, '')}/store`);
      if (response.ok && (await response.text()).includes(address)) return true;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return false;
  }
});
