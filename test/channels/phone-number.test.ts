/**
 * The phone check as it runs in Lambda: bundled with the functions' esbuild options (metadata left
 * out), the data files copied beside the bundle as OvertureFunction copies them, and required in a
 * fresh Node process that sees no project `node_modules`.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_DATA_FILES, LAMBDA_ESBUILD_OPTIONS } from '../../lib/constructs/bundling/lambda-bundling';
import { isE164PhoneNumber } from '../../lib/channels';

const ROOT = path.resolve(__dirname, '../..');
let bundleDir: string;

beforeAll(async () => {
  bundleDir = mkdtempSync(path.join(tmpdir(), 'overture-phone-bundle-'));
  await build({
    ...LAMBDA_ESBUILD_OPTIONS,
    mainFields: [...LAMBDA_ESBUILD_OPTIONS.mainFields],
    external: [...LAMBDA_ESBUILD_OPTIONS.external],
    entryPoints: [path.join(ROOT, 'lib/channels/phone-number.ts')],
    outfile: path.join(bundleDir, 'index.js'),
    logLevel: 'error',
  });
  for (const file of LAMBDA_DATA_FILES) {
    mkdirSync(path.dirname(path.join(bundleDir, file.to)), { recursive: true });
    copyFileSync(path.join(ROOT, file.from), path.join(bundleDir, file.to));
  }
});

afterAll(() => {
  rmSync(bundleDir, { recursive: true, force: true });
});

/** Runs `script` in a fresh Node process in the bundle's folder, with `check` the bundle's export; its JSON output. */
function inBundle(script: string): unknown {
  const program = `const check = require('./index.js').isE164PhoneNumber; process.stdout.write(JSON.stringify(${script}));`;
  const output = execFileSync(process.execPath, ['-e', program], { cwd: bundleDir, env: { PATH: process.env.PATH }, encoding: 'utf8' });
  return JSON.parse(output);
}

const NUMBERS = ['+12125550143', '+447946095800', '+1212555014', '+999123456789', '+1 212 555 0143', '2125550143'];

it('keeps the metadata out of the bundle and reads it only at the first check', () => {
  // Act
  const loaded = inBundle(`(() => {
    const isMetadata = (file) => file.endsWith('metadata.min.json');
    const before = Object.keys(require.cache).some(isMetadata);
    check('+12125550143');
    return { before, after: Object.keys(require.cache).some(isMetadata) };
  })()`);

  // Assess
  expect(loaded).toEqual({ before: false, after: true });
  expect(statSync(path.join(bundleDir, 'index.js')).size).toBeLessThan(60 * 1024);
});

it('answers in the Lambda layout exactly as in the project', () => {
  // Act
  const bundled = inBundle(`${JSON.stringify(NUMBERS)}.map((number) => check(number))`);

  // Assess
  expect(bundled).toEqual(NUMBERS.map((number) => isE164PhoneNumber(number)));
  expect(bundled).toEqual([true, true, false, false, false, false]);
});
