/**
 * How every Overture Lambda is bundled, in one place, so that the CDK functions
 * (`OvertureFunction`) and the bundle benchmark (`bench/bundle.bench.ts`) build the same bytes.
 * No CDK import here: the benchmark calls esbuild with these options directly.
 *
 * - One CommonJS file per function for Node 22, minified, with a linked source map (the runtime
 *   maps stack traces back with `--enable-source-maps`).
 * - The AWS SDK is bundled rather than taken from the runtime: the version is the one tested,
 *   and esbuild keeps only the clients and commands a handler uses.
 * - ESM entry points first (`module` before `main`), so esbuild can tree-shake the SDK and
 *   Powertools.
 * - One substitution (see the file it points at) drops code no Lambda runs: the SDK's credential
 *   chain beyond environment variables.
 * - zod is imported as a namespace (`import * as z`) everywhere, never as the `z` object: esbuild
 *   then keeps only the members a bundle uses, and leaves zod's ~40 locales out.
 */
import * as path from 'node:path';

/** The esbuild target of every function: the Lambda runtime's Node. */
export const LAMBDA_TARGET = 'node22';

/** Package entry fields in the order esbuild tries them. */
export const LAMBDA_MAIN_FIELDS = ['module', 'main'];

/** Packages replaced by smaller stand-ins in Lambda bundles: import path → absolute file. */
export const LAMBDA_SUBSTITUTES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': path.join(__dirname, 'lambda-credentials.ts'),
};

/** The esbuild build options NodejsFunction turns its bundling props into (for the benchmark). */
export const LAMBDA_ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: LAMBDA_TARGET,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: LAMBDA_MAIN_FIELDS,
  alias: LAMBDA_SUBSTITUTES,
} as const;

/** The substitutions as esbuild CLI arguments (NodejsFunction's `esbuildArgs`). */
export function substituteArgs(): Record<string, string> {
  return Object.fromEntries(Object.entries(LAMBDA_SUBSTITUTES).map(([from, to]) => [`--alias:${from}`, to]));
}
