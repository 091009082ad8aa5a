/**
 * How the `overture` commands talk to the person or script that runs them: results on stdout
 * (JSON with `--json`), progress and problems on stderr, and the exit status: 0 done, 1 failed,
 * 2 bad input (a scenario, audience file or argument that must be fixed; nothing was run).
 */

/** Where a command writes. Tests pass their own. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The process's own streams. */
export const processIO: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Exit status of a bad input. */
export const EXIT_BAD_INPUT = 2;
/** Exit status of a failure. */
export const EXIT_FAILURE = 1;

/** Ends a command with an exit status and a message for stderr. */
export class CliExit extends Error {
  constructor(
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CliExit';
  }
}

/** A bad input: exit status 2. */
export function badInput(message: string, options?: ErrorOptions): CliExit {
  return new CliExit(EXIT_BAD_INPUT, message, options);
}

/** Writes `value` as pretty JSON with a trailing newline. */
export function writeJson(io: CliIO, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}
