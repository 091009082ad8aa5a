/**
 * `overture simulate` refuses, with exit status 2 and the offending path, the journeys a
 * simulation would not run as written — an inline journey with a catalog journey's id, and an
 * entry nothing in a simulation starts — instead of exiting 0 with a report that leaves them out.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RUNNABLE_JOURNEY, contractScenarioJson } from '../scenario/fixtures';
import { temporaryDataDir, testOutdir } from '../local/support';
import { overture } from '../support/cli';

const folder = temporaryDataDir('unsimulated-journeys');
const cdkOut = testOutdir('unsimulated-journeys');

/** Runs `overture simulate` on the contract's example scenario running `journeys`. */
async function simulateWith(label: string, journeys: unknown[]): Promise<{ status: number; stderr: string; reportWritten: boolean }> {
  const file = path.join(folder, `${label}.json`);
  writeFileSync(file, JSON.stringify({ ...contractScenarioJson(), journeys }));
  const report = path.join(folder, `${label}-report.json`);
  const result = await overture('simulate', file, '--out', report, '--cdk-out', cdkOut);
  return { status: result.status, stderr: result.stderr, reportWritten: existsSync(report) };
}

describe('overture simulate with a journey it would not run as written', () => {
  it('exits with status 2 for an inline journey with a catalog journey\'s id, naming the path, and runs nothing', async () => {
    // Act
    const result = await simulateWith('catalog-id', [{ ...RUNNABLE_JOURNEY, id: 'welcome' }]);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('journeys[0].id: "welcome" is a catalog journey; give the inline journey another id');
    expect(result.stderr).not.toContain('simulate: synthesizing');
    expect(result.reportWritten).toBe(false);
  });

  it('exits with status 2 for an inline scheduled journey, naming its trigger\'s path, and runs nothing', async () => {
    // Prepare
    const scheduled = { ...RUNNABLE_JOURNEY, entry: { ...RUNNABLE_JOURNEY.entry, trigger: { kind: 'schedule', expression: 'cron(0 10 ? * MON *)' } } };

    // Act
    const result = await simulateWith('scheduled', ['welcome', scheduled]);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('journeys[1].entry.trigger: a scheduled journey cannot be simulated');
    expect(result.stderr).not.toContain('simulate: synthesizing');
    expect(result.reportWritten).toBe(false);
  });
});
