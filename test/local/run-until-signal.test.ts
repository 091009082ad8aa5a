/**
 * Ctrl-C under `npm start`: npm and tsx pass the terminal's signal on again, so one press can
 * arrive two or three times within milliseconds. One press reads as one stop; a press a moment
 * later is answered that the stack is still saving. Either way the stack finishes closing and
 * the process exits with 0. The fixture gives the stop its own clock, so nothing here is timed.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { REPEATED_SIGNAL_WINDOW_MS } from '../../lib/cli/run-until-signal';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs the fixture whose stack gets a second SIGINT `gapMs` after the first. */
function signalledAgainAfter(gapMs: number): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'signalled-again.ts'), String(gapMs)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe('stopping the local stack with Ctrl-C', () => {
  it('says "stopping" once when the same press arrives again a few milliseconds later', () => {
    // Act
    const result = signalledAgainAfter(40);

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('closed');
    expect(result.stderr).toBe(
      'stopping: saving the clock and the mailbox, closing the emulators…\nstopped; the data folder keeps everything for the next start\n',
    );
  });

  it('answers a second press that it is still saving, and still finishes closing before it exits', () => {
    // Act
    const result = signalledAgainAfter(REPEATED_SIGNAL_WINDOW_MS + 500);

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('closed');
    expect(result.stderr).toBe(
      [
        'stopping: saving the clock and the mailbox, closing the emulators…',
        'still stopping: saving before it exits…',
        'stopped; the data folder keeps everything for the next start',
        '',
      ].join('\n'),
    );
  });
});
