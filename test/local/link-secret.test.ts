/**
 * The local stack's link-signing secret: made once, kept, readable by its owner only, and never
 * a half-written one.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DATA_FILES } from '../../lib/local/data-files';
import { localLinkSecret } from '../../lib/local/link-secret';
import { temporaryDataDir } from './support';

describe('the local link-signing secret', () => {
  it('is made on the first start, readable by its owner only, and the same on the next', async () => {
    // Prepare
    const data = temporaryDataDir('link-secret');

    // Act
    const first = await localLinkSecret(data, undefined);
    const second = await localLinkSecret(data, undefined);

    // Assess
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(second).toBe(first);
    expect(statSync(path.join(data, DATA_FILES.linkSecret)).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['empty', ''],
    ['cut short', '3f9a0c'],
  ])('is made anew when the saved one is %s (a kill while it was written)', async (_, saved) => {
    // Prepare
    const data = temporaryDataDir('link-secret');
    writeFileSync(path.join(data, DATA_FILES.linkSecret), saved);

    // Act
    const secret = await localLinkSecret(data, undefined);

    // Assess
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(path.join(data, DATA_FILES.linkSecret), 'utf8')).toBe(secret);
  });

  it('comes from the seed without a data folder, so a simulation signs the same links every time', async () => {
    // Act
    const secrets = await Promise.all([localLinkSecret(undefined, 7), localLinkSecret(undefined, 7), localLinkSecret(undefined, 8)]);

    // Assess
    expect(secrets[0]).toBe(secrets[1]);
    expect(secrets[2]).not.toBe(secrets[0]);
  });
});
