/**
 * Runs the `overture` CLI in the test's own process, as a person would type it, capturing what it
 * writes and its exit status.
 */
import { runCli } from '../../lib/cli/program';
import type { CliIO } from '../../lib/cli/io';

/** What one command wrote and how it exited. */
export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `overture ARGS…` in this process. */
export async function overture(...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) };
  const status = await runCli(['node', 'overture', ...args], io);
  return { status, stdout, stderr };
}
