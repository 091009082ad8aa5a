/**
 * The secret the local stack signs unsubscribe and preference links with: kept in the data folder
 * (made on the first start, readable by its owner only), or, without one, derived from the seed
 * so a simulation signs the same links every time.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DATA_FILES, writeDataFile } from './data-files';

/** What a saved secret looks like: 32 random bytes in hex. */
const SAVED_SECRET = /^[0-9a-f]{64}$/;

/**
 * The link-signing secret of a stack on `dataDir`. A saved file that is not a whole secret (a
 * process killed while writing it) is replaced by a new one.
 */
export async function localLinkSecret(dataDir: string | undefined, seed: number | undefined): Promise<string> {
  if (dataDir === undefined) return `overture-local-link-secret-${seed ?? 0}-0123456789abcdef`;
  const file = path.join(dataDir, DATA_FILES.linkSecret);
  const saved = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    () => undefined,
  );
  if (saved !== undefined && SAVED_SECRET.test(saved)) return saved;
  const secret = randomBytes(32).toString('hex');
  await writeDataFile(file, secret, { mode: 0o600 });
  return secret;
}
