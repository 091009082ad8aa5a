/**
 * The local app's synthesis refuses a journey whose id the Overture stack already defines with
 * another definition: the stack's state machine would run while events were routed by the one
 * given. `overture simulate` refuses such a scenario earlier (parseScenario); this holds for every
 * other caller of the local runtime.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { synthesizeAppToDisk } from '../../lib/local/synthesize-app';
import { RUNNABLE_JOURNEY } from '../scenario/fixtures';

jest.setTimeout(300_000);

describe('synthesizeAppToDisk', () => {
  it('fails when a journey given has the id of a catalog journey but another definition', () => {
    // Prepare
    const outdir = mkdtempSync(path.join(os.tmpdir(), 'overture-shadowed-journey-'));
    const shadowing = { ...RUNNABLE_JOURNEY, id: 'welcome' };

    // Act
    const synthesize = (): unknown => synthesizeAppToDisk(outdir, [shadowing]);

    // Assess
    expect(synthesize).toThrow('defines journey "welcome" otherwise, and its state machine would run instead of the one given; give the journey given another id');
  });
});
