/**
 * `npm start` as a child process for the tests that follow the demo as a person would: started on
 * a data folder of the test's own, fast (about 5.5 virtual hours per second), with everything it
 * prints collected.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** A running `npm start` child and what it printed so far. */
export interface Demo {
  readonly child: ChildProcess;
  output: string;
  readonly exited: Promise<number | null>;
}

/** Starts the demo on `data` (80 customers, seed 7, a free port). */
export function startDemo(data: string): Demo {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/start.ts', '--data', data, '--port', '0', '--customers', '80', '--seed', '7', '--rate', '20000'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const demo: Demo = { child, output: '', exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  child.stdout?.on('data', (chunk: Buffer) => void (demo.output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => void (demo.output += chunk.toString('utf8')));
  return demo;
}

/** Resolves once `done()` holds, checked every 250 ms; throws with the demo's output if it exits first or 10 minutes pass. */
export async function waitFor(demo: Demo, done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (!done()) {
    if (demo.child.exitCode !== null) throw new Error(`the demo exited before ${what}:\n${demo.output}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${demo.output}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
