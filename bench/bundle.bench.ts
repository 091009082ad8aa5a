/**
 * Lambda bundles: the largest bundle and the slowest cold import.
 *
 * Every handler under functions/ is bundled with exactly the esbuild options of OvertureFunction
 * (lib/constructs/bundling/lambda-bundling.ts: minified, linked source map, the AWS SDK left to
 * the runtime). `bundle_kb_max` is the largest `index.js` in KiB (the source map is not shipped to
 * memory and not counted; neither are the data files beside the bundle, read only when needed).
 * `cold_import_ms_max` is, for the slowest bundle, the median over {@link RUNS} fresh Node 22
 * processes of the time `require('./index.js')` takes inside the process (module load, including
 * the AWS SDK clients a handler requires from the project's `node_modules` as Lambda's runtime
 * resolves them through `NODE_PATH`, and the handler's module-level setup: environment parsing,
 * clients, Powertools), with the environment the function gets in AWS (placeholder values).
 * Node's own start-up is not counted; Lambda's cold start adds it, and the runtime's init, on top.
 *
 * Targets: ≤ 250 KB and ≤ 150 ms.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_ESBUILD_OPTIONS } from '../lib/constructs/bundling/lambda-bundling';
import { journeyRoutesVariable, routesOf } from '../lib/ingest/journey-routes';
import { CATALOG } from '../workflows';
import { TEST_SENDER_POSTAL_ADDRESS } from '../test/support/sender-address';

const ROOT = path.resolve(__dirname, '..');
/** Fresh processes per bundle, one per round; the median is kept (nine, so one busy moment on a shared machine does not move it). */
const RUNS = 9;

/** Every Lambda entry: one file per function under functions/. */
export function lambdaEntries(): string[] {
  const functionsDir = path.join(ROOT, 'functions');
  return readdirSync(functionsDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => path.join(functionsDir, file))
    .sort();
}

/** What the functions read at module load, as in AWS (placeholders; nothing is called). */
function lambdaEnvironment(): NodeJS.ProcessEnv {
  const arn = (journey: string) => `arn:aws:states:us-east-1:111122223333:stateMachine:overture-bench-${journey}`;
  return {
    PATH: process.env.PATH,
    // Where the runtime's SDK comes from, as `/var/runtime/node_modules` in Lambda.
    NODE_PATH: path.join(ROOT, 'node_modules'),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
    POWERTOOLS_METRICS_NAMESPACE: 'Overture',
    CUSTOMER_TABLE_NAME: 'overture-bench-customers',
    JOURNEY_ROUTES: journeyRoutesVariable(routesOf(CATALOG, arn)),
    JOURNEY_STATE_MACHINE_ARN_PREFIX: arn(''),
    DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/ingest-dlq',
    AUDIENCE_BUCKET_NAME: 'overture-bench-audiences',
    LAUNCHER_STATE_MACHINE_ARN: arn('launcher'),
    FROM_EMAIL_ADDRESS: 'journeys@example.com',
    SENDER_POSTAL_ADDRESS: TEST_SENDER_POSTAL_ADDRESS,
    SES_CONFIGURATION_SET: 'overture-bench',
    SMS_ORIGINATION_IDENTITY: 'pool-0000000000000000000000000000dev0',
    SMS_CONFIGURATION_SET: 'overture-bench',
    DIRECT_MAIL_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/direct-mail',
    PUBLIC_BASE_URL: 'https://preferences.example.com',
    LINK_SECRET_ID: 'overture/bench/unsubscribe-key',
    TEMPLATES_DIR: path.join(ROOT, 'workflows', 'templates'),
  };
}

/** The Node 22 binary: this process's when it is Node 22, else the project's `node` package. */
function node22(): string {
  if (process.versions.node.startsWith('22.')) return process.execPath;
  return path.join(ROOT, 'node_modules', '.bin', 'node');
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Milliseconds `require(bundle)` takes in a fresh process. */
function coldImportMs(bundle: string): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(bundle)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const child = spawnSync(node22(), ['-e', script], { env: lambdaEnvironment(), encoding: 'utf8', cwd: path.dirname(bundle) });
  if (child.status !== 0) throw new Error(`importing ${bundle} failed: ${child.stderr.slice(0, 2000)}`);
  return Number(child.stdout);
}

/** One function's figures. */
export interface BundleFigures {
  readonly entry: string;
  readonly kb: number;
  readonly coldImportMs: number;
}

/**
 * Bundles every function, then imports each once per round, {@link RUNS} rounds; the figures per
 * function. Rounds rather than one function's runs in a row, so that a busy stretch of a shared
 * machine falls on every function alike instead of on the medians of one or two.
 */
export async function measureBundles(): Promise<BundleFigures[]> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'overture-bundles-'));
  try {
    const bundles: { entry: string; outfile: string }[] = [];
    for (const entry of lambdaEntries()) {
      const name = path.relative(path.join(ROOT, 'functions'), entry).replace(/\.ts$/, '').replaceAll(path.sep, '-');
      const outfile = path.join(outDir, name, 'index.js');
      await build({
        ...LAMBDA_ESBUILD_OPTIONS,
        mainFields: [...LAMBDA_ESBUILD_OPTIONS.mainFields],
        external: [...LAMBDA_ESBUILD_OPTIONS.external],
        entryPoints: [entry],
        outfile,
        logLevel: 'error',
      });
      bundles.push({ entry, outfile });
    }
    const runs = bundles.map((): number[] => []);
    for (let round = 0; round < RUNS; round += 1) bundles.forEach(({ outfile }, index) => runs[index]?.push(coldImportMs(outfile)));
    return bundles.map(({ entry, outfile }, index) => ({
      entry: path.relative(ROOT, entry),
      kb: statSync(outfile).size / 1024,
      coldImportMs: median(runs[index] ?? []),
    }));
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** `bundle_kb_max` and `cold_import_ms_max` (see the module comment). */
export async function run(): Promise<Record<string, number>> {
  const figures = await measureBundles();
  for (const figure of figures) {
    process.stdout.write(`    ${figure.entry}: ${figure.kb.toFixed(1)} KB, cold import ${figure.coldImportMs.toFixed(1)} ms\n`);
  }
  return {
    bundle_kb_max: Math.round(Math.max(...figures.map((figure) => figure.kb)) * 10) / 10,
    cold_import_ms_max: Math.round(Math.max(...figures.map((figure) => figure.coldImportMs)) * 10) / 10,
  };
}
