/**
 * How every Overture Lambda is bundled, in one place, so that the CDK functions
 * (`OvertureFunction`) and the bundle benchmark (`bench/bundle.bench.ts`) build the same bytes.
 * No CDK import here: the benchmark calls esbuild with these options directly.
 *
 * - One CommonJS file per function for Node 22, minified, with a linked source map (the runtime
 *   maps stack traces back with `--enable-source-maps`).
 * - The AWS SDK is the runtime's (`@aws-sdk/*` external, NodejsFunction's default). Bundled, the
 *   SDK alone is ~330 KB of the send function's five clients (smithy core ~128 KB, the SES client
 *   ~60 KB, all of it code send runs); the runtime keeps it on disk already. The SDK's version is
 *   then the runtime's, which AWS keeps current; every command and option the functions use is
 *   older than the Node 22 runtime.
 * - Data a function reads only on some invocations ships beside the bundle instead of inside it
 *   ({@link LAMBDA_DATA_FILES}), so a cold start does not parse it.
 * - ESM entry points first (`module` before `main`), so esbuild can tree-shake Powertools and zod.
 * - zod is imported as a namespace (`import * as z`) everywhere, never as the `z` object: esbuild
 *   then keeps only the members a bundle uses, and leaves zod's ~40 locales out.
 */

/** The esbuild target of every function: the Lambda runtime's Node. */
export const LAMBDA_TARGET = 'node22';

/** Package entry fields in the order esbuild tries them. */
export const LAMBDA_MAIN_FIELDS = ['module', 'main'];

/** A data file a function requires at run time, copied from the project into the function's asset. */
export interface LambdaDataFile {
  /** What the code requires, e.g. `libphonenumber-js/metadata.min.json` (left out of the bundle). */
  readonly module: string;
  /** The file relative to the project root. */
  readonly from: string;
  /** Where it goes, relative to the bundle root, so that `require(module)` finds it from `index.js`. */
  readonly to: string;
}

/**
 * Data files every function's asset carries. The phone-number metadata (80 KB of JSON) is read
 * at the first number a container checks (`lib/channels/phone-number.ts`: ingest and the consent
 * API check the numbers that come in); invocations that check none never parse it.
 */
export const LAMBDA_DATA_FILES: readonly LambdaDataFile[] = [
  {
    module: 'libphonenumber-js/metadata.min.json',
    from: 'node_modules/libphonenumber-js/metadata.min.json',
    to: 'node_modules/libphonenumber-js/metadata.min.json',
  },
];

/** Modules required at run time rather than bundled: the runtime's SDK and the data files. */
export const LAMBDA_EXTERNAL_MODULES: readonly string[] = ['@aws-sdk/*', ...LAMBDA_DATA_FILES.map((file) => file.module)];

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
  external: LAMBDA_EXTERNAL_MODULES,
} as const;
