/**
 * Shared by the local-runtime and simulator tests: a cloud-assembly folder per test file (test
 * files run in parallel and each synthesizes the app), and temporary data folders.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bucketOf } from '../../lib/journeys/effects';

/** A cdk.out folder of this test file's own, under the system's temporary folder. */
export function testOutdir(label: string): string {
  return path.join(os.tmpdir(), 'overture-test-cdk', `${label}-${process.pid}`);
}

/** A fresh, empty data folder for a local stack. */
export function temporaryDataDir(label: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `overture-${label}-`));
}

/** A customer id whose win-back holdout bucket is below 10 (held out: gets nothing) or not. */
export function winBackCustomer(heldOut: boolean, prefix = 'b'): string {
  for (let index = 0; index < 1000; index += 1) {
    const id = `${prefix}-${index}`;
    if (bucketOf(id, 'win-back', 'holdout') < 10 === heldOut) return id;
  }
  throw new Error('no customer id in the wanted bucket');
}
