/**
 * `--cdk-out` is an option value like `--data`: an empty one would be the current folder, and a
 * file cannot hold a cloud assembly. Each is refused with exit 2 naming the option, before anything
 * is synthesized, as `--data ''` is; not a cloud assembly written all over the current folder, nor
 * exit 1 with a stack trace. Runs the bin in a folder of its own, as a person would.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporaryDataDir } from '../local/support';

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '..', '..');

const SCENARIO = {
  start: '2026-03-02T09:00:00Z',
  until: '2026-03-03T00:00:00Z',
  seed: 1,
  journeys: ['welcome'],
  customers: [{ id: 'c-001', stage: 'prospect', timezone: 'UTC', email: 'c-001@example.com', consents: [] }],
  events: [{ at: '2026-03-02T10:00:00Z', customerId: 'c-001', type: 'event', name: 'signed_up', properties: {} }],
};

/** `overture ARGS…` as the bin runs it, in the folder `cwd`. */
function overtureIn(cwd: string, ...args: string[]): { status: number | null; stderr: string } {
  const child = spawnSync(process.execPath, ['--import', require.resolve('tsx'), path.join(ROOT, 'bin', 'overture.ts'), ...args], { cwd, encoding: 'utf8', timeout: 240_000 });
  return { status: child.status, stderr: child.stderr };
}

describe('overture simulate with a --cdk-out it cannot use', () => {
  it('refuses an empty --cdk-out (status 2, naming the option) and writes nothing to the current folder', () => {
    // Prepare
    const cwd = temporaryDataDir('cdk-out-empty');
    const scenario = path.join(temporaryDataDir('cdk-out-scenario'), 'scenario.json');
    writeFileSync(scenario, JSON.stringify(SCENARIO));

    // Act
    const result = overtureIn(cwd, 'simulate', scenario, '--quiet', '--cdk-out', '');

    // Assess
    expect({ status: result.status, written: readdirSync(cwd) }).toEqual({ status: 2, written: [] });
    expect(result.stderr).toContain("option '--cdk-out <dir>' argument '' is invalid");
  });

  it('refuses a --cdk-out that is a file (status 2, naming the option), with no stack trace, and leaves the file as it was', () => {
    // Prepare
    const cwd = temporaryDataDir('cdk-out-file');
    const scenario = path.join(cwd, 'scenario.json');
    writeFileSync(scenario, JSON.stringify(SCENARIO));

    // Act
    const result = overtureIn(cwd, 'simulate', scenario, '--quiet', '--cdk-out', scenario);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`option '--cdk-out <dir>' argument '${scenario}' is invalid. is a file`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(readdirSync(cwd)).toEqual(['scenario.json']);
  });
});
