/**
 * What the `overture` CLI answers when it is called without what it needs: no command, a data
 * folder that no stack ever used, an event the bus would not deliver. Runs in this process; no
 * stack is started.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { overture } from '../support/cli';

const folder = mkdtempSync(path.join(tmpdir(), 'overture-cli-'));

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

describe('overture status and why on a data folder no stack used', () => {
  const missing = path.join(folder, 'mistyped');
  const file = path.join(folder, 'a-file');
  writeFileSync(file, 'not a folder');

  it.each([
    ['status', 'a folder that does not exist', ['status', '--data', missing], missing],
    ['status', 'a file', ['status', '--data', file], file],
    ['why', 'a folder that does not exist', ['why', 'c-1', '--data', missing], missing],
    ['why', 'a file', ['why', 'c-1', '--data', file], file],
  ])('%s on %s says there is no stack data there and exits with status 1', async (_command, _case, args, dataDir) => {
    // Act
    const result = await overture(...args);

    // Assess
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`overture: no local stack data in ${dataDir}: run "npm start" or "overture serve" first\n`);
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
});
