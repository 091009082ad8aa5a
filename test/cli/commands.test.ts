/**
 * What the `overture` CLI answers when it is called without what it needs: no command, a data
 * folder that no stack ever used, an event the bus would not deliver, a launch id that cannot be
 * one, an execution that cannot be redriven, a data folder of an earlier version, an audience a
 * running stack refuses as too large. Runs in this process; no stack or runtime is started (a
 * stand-in answers for a running one).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DATA_FILES } from '../../lib/local/data-files';
import { LocalRuntime, OutdatedLocalDataError } from '../../lib/local/runtime';
import type { ExecutionRecord } from '../../lib/local/step-functions';
import { overture } from '../support/cli';

const folder = mkdtempSync(path.join(tmpdir(), 'overture-cli-'));

/** A data folder of its own, as a stack's first start leaves it: its stack file, and nothing else. */
function stackDataFolder(name: string): string {
  const data = path.join(folder, name);
  mkdirSync(data);
  writeFileSync(path.join(data, DATA_FILES.stack), JSON.stringify({ tableName: 'CustomerTable' }));
  return data;
}

/** Fails a test that would start the runtime (a synth and the emulators): the commands must refuse first. */
function forbidRuntimeStart(): jest.SpiedFunction<typeof LocalRuntime.start> {
  return jest.spyOn(LocalRuntime, 'start').mockRejectedValue(new Error('the command started the runtime'));
}

afterEach(() => {
  jest.restoreAllMocks();
});

describe('overture with no command', () => {
  it('prints its help on stderr and exits with status 2', async () => {
    // Act
    const result = await overture();

    // Assess
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Usage: overture');
  });
});

describe('overture commands on a data folder no stack used', () => {
  const missing = path.join(folder, 'mistyped');
  const file = path.join(folder, 'a-file');
  writeFileSync(file, 'not a folder');
  const audience = path.join(folder, 'audience.csv');
  writeFileSync(audience, 'customerId\nc-1\n');

  it.each([
    ['status', 'a folder that does not exist', ['status', '--data', missing], missing],
    ['status', 'a file', ['status', '--data', file], file],
    ['why', 'a folder that does not exist', ['why', 'c-1', '--data', missing], missing],
    ['why', 'a file', ['why', 'c-1', '--data', file], file],
    ['send-event', 'a folder that does not exist', ['send-event', 'signed_up', '--customer', 'c-1', '--data', missing], missing],
    ['send-event', 'a file', ['send-event', 'signed_up', '--customer', 'c-1', '--data', file], file],
    ['launch', 'a folder that does not exist', ['launch', 'welcome', '--audience', audience, '--data', missing], missing],
    ['launch', 'a file', ['launch', 'welcome', '--audience', audience, '--data', file], file],
    ['redrive', 'a folder that does not exist', ['redrive', 'welcome-c-1-e1', '--data', missing], missing],
  ])('%s on %s says there is no stack data there, exits with status 1 and makes no stack', async (_command, _case, args, dataDir) => {
    // Prepare
    const start = forbidRuntimeStart();

    // Act
    const result = await overture(...args);

    // Assess
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`overture: no local stack data in ${dataDir}: run "npm start" or "overture serve" first\n`);
    expect(start).not.toHaveBeenCalled();
    expect(existsSync(missing)).toBe(false);
  });

  // A mistyped --data that exists: `.`, the repository instead of its .overture.
  const foreign = path.join(folder, 'not-a-stack');
  mkdirSync(foreign);
  writeFileSync(path.join(foreign, 'notes.txt'), 'kept');

  it.each([
    ['status', ['status']],
    ['why', ['why', 'c-1']],
    ['results', ['results', 'welcome']],
    ['send-event', ['send-event', 'signed_up', '--customer', 'c-1']],
    ['launch', ['launch', 'welcome', '--audience', audience]],
    ['receive-sms', ['receive-sms', 'STOP', '--from', '+14155550100']],
    ['redrive', ['redrive', 'welcome-c-1-e1']],
  ])('%s on a folder that exists with no stack data in it says so, exits with status 1 and writes nothing there', async (_command, args) => {
    // Prepare
    const start = forbidRuntimeStart();

    // Act
    const result = await overture(...args, '--data', foreign);

    // Assess
    expect({ status: result.status, written: readdirSync(foreign) }).toEqual({ status: 1, written: ['notes.txt'] });
    expect(result.stderr).toBe(`overture: no local stack data in ${foreign}: run "npm start" or "overture serve" first\n`);
    expect(start).not.toHaveBeenCalled();
  });
});

describe('overture launch of an audience file with mixed line endings', () => {
  it('reads its customers (a header saved with CRLF, ids appended with LF) and goes on to the data folder, not refusing the file', async () => {
    // Prepare: a data folder that does not exist, so a valid file gets as far as "no local stack data".
    const audience = path.join(folder, 'mixed.csv');
    writeFileSync(audience, 'customerId\r\nc-1\nc-2\n');
    const missing = path.join(folder, 'mixed-no-stack');

    // Act
    const result = await overture('launch', 'loyalty', '--audience', audience, '--data', missing);

    // Assess
    expect(result).toEqual({ status: 1, stdout: '', stderr: `overture: no local stack data in ${missing}: run "npm start" or "overture serve" first\n` });
  });
});

describe('overture with option values it cannot use', () => {
  it.each([
    ['an empty --port to serve, which is not port 0', ['serve', '--port', ''], "error: option '--port <n>' argument '' is invalid. must be a port number 0–65535"],
    ['an empty --data, which would be the current folder', ['status', '--data', ''], "error: option '--data <dir>' argument '' is invalid. must name a folder (an empty path would be the current folder)"],
    ['an empty --cdk-out, which would be the current folder', ['send-event', 'signed_up', '--customer', 'c-1', '--cdk-out', ''], "error: option '--cdk-out <dir>' argument '' is invalid. must name a folder (an empty path would be the current folder)"],
    ['a --cdk-out that is a file', ['send-event', 'signed_up', '--customer', 'c-1', '--cdk-out', path.join(folder, 'audience.csv')], `error: option '--cdk-out <dir>' argument '${path.join(folder, 'audience.csv')}' is invalid. is a file: must name a folder, a new one or one of its own`],
  ])('refuses %s (status 2, naming the option) and starts nothing', async (_, args, message) => {
    // Prepare
    const start = forbidRuntimeStart();

    // Act
    const result = await overture(...args, ...(args.includes('--data') ? [] : ['--data', path.join(folder, 'never-made')]));

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(message);
    expect(start).not.toHaveBeenCalled();
  });

  it('refuses a file as serve\'s --data with status 2, naming --data, and starts nothing', async () => {
    // Prepare
    const file = path.join(folder, 'serve-data-file');
    writeFileSync(file, 'not a folder');
    const start = forbidRuntimeStart();

    // Act
    const result = await overture('serve', '--port', '0', '--data', file);

    // Assess
    expect(result).toEqual({ status: 2, stdout: '', stderr: `overture: --data: ${file} is a file, not a folder\n` });
    expect(start).not.toHaveBeenCalled();
  });
});

describe('overture launch with an --id that cannot be a launch id', () => {
  it.each([
    ['an email address', 'ana@example.com'],
    ['spaces', 'bad id with spaces'],
    ['more than 80 characters', 'x'.repeat(81)],
  ])('refuses %s with status 2 naming --id and the allowed form, before anything runs or is printed', async (_case, id) => {
    // Prepare
    const data = stackDataFolder(`launch-id-${readdirSync(folder).length}`);
    const audience = path.join(folder, 'id-audience.csv');
    writeFileSync(audience, 'customerId\nc-1\n');
    const start = forbidRuntimeStart();

    // Act
    const result = await overture('launch', 'welcome', '--audience', audience, '--id', id, '--data', data);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('overture: --id: must be 1–80 letters, digits, "_" or "-" (a launch id names executions, so ids only), nothing was launched\n');
    expect(start).not.toHaveBeenCalled();
    expect(readdirSync(data)).toEqual([DATA_FILES.stack]);
  });
});

describe('overture why with what is not a customer id', () => {
  it.each([
    ['an email address', 'ana@example.com'],
    ['a phone number', '+12125550143'],
  ])('refuses %s with status 2 naming <customer> and the allowed form, never repeating it', async (_case, value) => {
    // Prepare
    const data = stackDataFolder(`why-id-${readdirSync(folder).length}`);

    // Act
    const result = await overture('why', value, '--data', data);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('overture: <customer>: must be 1–64 letters, digits, "-" or "_" (a customer id, not an address or a number)\n');
    expect(result.stderr).not.toContain(value);
  });
});

describe('overture redrive on a stopped stack', () => {
  /** A data folder whose execution registry holds `records`, as a stack that ran leaves it. */
  function dataFolderWith(name: string, records: readonly ExecutionRecord[]): string {
    const data = stackDataFolder(name);
    writeFileSync(path.join(data, DATA_FILES.executions), records.map((record) => `${JSON.stringify(record)}\n`).join(''));
    return data;
  }

  const execution = (name: string, status: ExecutionRecord['status']): ExecutionRecord => ({
    name,
    stateMachineArn: 'arn:aws:states:eu-west-1:000000000000:stateMachine:Welcome',
    journey: 'welcome',
    input: '{}',
    status,
    startDate: '2026-03-02T15:00:00.000Z',
  });

  it.each([
    ['does not exist', 'redrive-none', 'welcome-nobody-e1', 'nothing was redriven: execution welcome-nobody-e1 does not exist'],
    ['is running', 'redrive-running', 'welcome-c-1-e1', 'nothing was redriven: execution welcome-c-1-e1 is RUNNING: only a failed or aborted execution can be redriven'],
    ['succeeded', 'redrive-succeeded', 'welcome-c-2-e1', 'nothing was redriven: execution welcome-c-2-e1 is SUCCEEDED: only a failed or aborted execution can be redriven'],
  ])('refuses an execution that %s from the registry, with status 2, starting no runtime', async (_case, folderName, name, message) => {
    // Prepare
    const data = dataFolderWith(folderName, [execution('welcome-c-1-e1', 'RUNNING'), execution('welcome-c-2-e1', 'SUCCEEDED')]);
    const start = forbidRuntimeStart();

    // Act
    const result = await overture('redrive', name, '--data', data);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`overture: ${message}\n`);
    expect(start).not.toHaveBeenCalled();
  });
});

describe('overture send-event with an event that cannot be delivered', () => {
  it('refuses a name the bus does not route, listing the ones it does, and starts nothing', async () => {
    // Prepare
    const data = path.join(folder, 'send-unrouted');

    // Act
    const result = await overture('send-event', 'signd_up', '--customer', 'c-1', '--data', data);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('overture: nothing was sent: "signd_up" is not an event the stack listens for; the bus routes: ');
    expect(result.stderr).toContain(' signed_up,');
    expect(existsSync(data)).toBe(false);
  });

  it('names each bad field by the option it came from, and starts nothing', async () => {
    // Prepare
    const data = path.join(folder, 'send-invalid');
    const consents = JSON.stringify([{ channel: 'email', topic: 'marketing', status: 'granted', source: 'web-form' }]);

    // Act
    const result = await overture('send-event', 'consent_changed', '--customer', 'c-1', '--at', 'yesterday', '--consents', consents, '--data', data);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr.split('\n')).toEqual([
      'overture: invalid event, nothing was sent:',
      '  --at: Invalid ISO datetime',
      '  --consents[0].proof: Invalid input: expected object, received undefined',
      '  --consents[0]: Unrecognized key: "source"',
      '',
    ]);
    expect(existsSync(data)).toBe(false);
  });

  describe('dated after the clock of the stopped stack that would ingest it', () => {
    /** A stopped stack's folder whose saved clock reads 2026-03-02, years behind any machine's running these tests. */
    function folderWithClock(name: string): string {
      const data = stackDataFolder(name);
      writeFileSync(path.join(data, DATA_FILES.clock), JSON.stringify({ now: '2026-03-02T10:00:00.000Z' }));
      return data;
    }
    const grant = (at?: string) => JSON.stringify([{ channel: 'email', topic: 'marketing', status: 'granted', ...(at === undefined ? {} : { at }), proof: { source: 'web-form' } }]);

    it('refuses an --at after the folder\'s clock, naming --at and that clock, and starts nothing', async () => {
      // Prepare
      const data = folderWithClock('send-at-ahead');
      const start = forbidRuntimeStart();

      // Act
      const result = await overture('send-event', 'consent_changed', '--customer', 'c-1', '--at', '2099-01-01T00:00:00Z', '--consents', grant(), '--data', data);

      // Assess
      expect(result).toEqual({
        status: 2,
        stdout: '',
        stderr:
          "overture: --at: is after the stack's clock (2026-03-02T10:00:00.000Z), nothing was sent; an event is dated no later than the stack's now: give an earlier --at, leave it out for the stack's now, or run the stack on to that time (npm start or overture serve)\n",
      });
      expect(start).not.toHaveBeenCalled();
    });

    it('refuses a consent whose own at is ahead of the folder\'s clock though behind this machine\'s, and starts nothing', async () => {
      // Prepare
      const data = folderWithClock('send-consent-ahead');
      const start = forbidRuntimeStart();

      // Act
      const result = await overture('send-event', 'consent_changed', '--customer', 'c-1', '--consents', grant('2026-06-01T00:00:00Z'), '--data', data);

      // Assess
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^overture: invalid event, nothing was sent:\n {2}--consents\[0\]\.at: is more than 5 minutes ahead of the ingest's clock/);
      expect(start).not.toHaveBeenCalled();
    });
  });
});

describe('overture commands on a stopped stack whose data folder is of an earlier version', () => {
  const audience = path.join(folder, 'outdated-audience.csv');
  writeFileSync(audience, 'customerId\nc-1\n');

  it.each([
    ['send-event', ['send-event', 'signed_up', '--customer', 'c-1']],
    ['launch', ['launch', 'loyalty', '--audience', audience]],
    ['receive-sms', ['receive-sms', 'STOP', '--from', '+14155550100']],
    ['redrive', ['redrive', 'welcome-c-1-e1']],
  ])('%s says to start over with npm start --reset or use another --data, with no stack trace (status 1)', async (command, args) => {
    // Prepare: the runtime refuses the folder as it refuses a table with no lapse index.
    const data = stackDataFolder(`outdated-${command}`);
    const failed = { name: 'welcome-c-1-e1', stateMachineArn: 'arn:aws:states:eu-west-1:000000000000:stateMachine:Welcome', journey: 'welcome', input: '{}', status: 'FAILED' };
    writeFileSync(path.join(data, DATA_FILES.executions), `${JSON.stringify({ ...failed, startDate: '2026-03-02T15:00:00.000Z' })}\n`);
    jest.spyOn(LocalRuntime, 'start').mockRejectedValue(new OutdatedLocalDataError('CustomerTable', ['lapse']));

    // Act
    const result = await overture(...args, '--data', data);

    // Assess
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n').filter((line) => !line.startsWith('launch: '))).toEqual([
      `overture: the data folder ${data} holds data of an earlier version (table CustomerTable was made by an earlier version of Overture: it has no index lapse); start over with npm start -- --reset --data ${data} (this deletes its data), or give another folder with --data`,
      '',
    ]);
  });
});

describe('overture launch of an audience a running stack refuses as too large', () => {
  it('names the file, says nothing was launched and what to do (status 2)', async () => {
    // Prepare: a stand-in for a running stack whose launch route answers 413, as the stack does over its limit.
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(413, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: 'request body too large (more than 256 MiB)' })));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const data = stackDataFolder('too-large');
    writeFileSync(path.join(data, DATA_FILES.endpoints), JSON.stringify({ pid: process.pid, api, mailbox: api, tableName: 'CustomerTable', endpoints: {}, smsOutbox: 'sms.jsonl' }));
    const audience = path.join(folder, 'too-large.csv');
    writeFileSync(audience, 'customerId\nc-1\n');

    try {
      // Act
      const result = await overture('launch', 'loyalty', '--audience', audience, '--data', data);

      // Assess
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.split('\n').slice(1)).toEqual([
        `overture: ${audience}: the audience file is larger than the running stack at ${api} takes (256 MiB), nothing was launched; split it into smaller files and launch each under its own --id`,
        '',
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
