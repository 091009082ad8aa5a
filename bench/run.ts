/**
 * `npm run bench`: runs every `bench/*.bench.ts` (or those named on the command line), prints
 * their figures and merges them into `bench/results.json`, a flat object of named numbers.
 */
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, basename } from 'node:path';

type Figures = Record<string, number>;
interface BenchModule {
  run(): Promise<Figures>;
}

const benchDir = __dirname;
const resultsPath = join(benchDir, 'results.json');

function selectedBenches(names: readonly string[]): string[] {
  const all = readdirSync(benchDir)
    .filter((file) => file.endsWith('.bench.ts'))
    .sort();
  if (names.length === 0) return all;
  const unknown = names.filter((name) => !all.includes(`${name}.bench.ts`));
  if (unknown.length > 0) {
    throw new Error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${all.map((f) => basename(f, '.bench.ts')).join(', ')}`);
  }
  return names.map((name) => `${name}.bench.ts`);
}

function readResults(): Figures {
  if (!existsSync(resultsPath)) return {};
  return JSON.parse(readFileSync(resultsPath, 'utf8')) as Figures;
}

async function main(): Promise<void> {
  const results = readResults();
  for (const file of selectedBenches(process.argv.slice(2))) {
    process.stdout.write(`bench ${basename(file, '.bench.ts')} …\n`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bench = require(join(benchDir, file)) as BenchModule;
    const figures = await bench.run();
    for (const [name, value] of Object.entries(figures)) {
      if (!Number.isFinite(value)) throw new Error(`${file}: figure ${name} is not a finite number (${value})`);
      process.stdout.write(`  ${name} = ${Number.isInteger(value) ? value : value.toFixed(3)}\n`);
      results[name] = value;
    }
    writeFileSync(resultsPath, `${JSON.stringify(results, Object.keys(results).sort(), 2)}\n`);
  }
  process.stdout.write(`wrote ${resultsPath}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
