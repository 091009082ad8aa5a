/**
 * What code writes to stdout while it runs, for tests of what reaches CloudWatch: Powertools
 * writes its log lines and EMF metric lines there.
 */

/** Runs `work` with stdout captured and returns what it wrote; stdout is restored however it ends. */
export function stdoutOf(work: () => void): string {
  const written: string[] = [];
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  try {
    work();
  } finally {
    stdout.mockRestore();
  }
  return written.join('');
}

/** {@link stdoutOf} for asynchronous work: its result and what it wrote. */
export async function stdoutOfAsync<T>(work: () => Promise<T>): Promise<{ readonly result: T; readonly written: string }> {
  const written: string[] = [];
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  try {
    return { result: await work(), written: written.join('') };
  } finally {
    stdout.mockRestore();
  }
}

/**
 * What `work` wrote to stdout and stderr (Powertools writes errors to stderr) while it ran, write
 * by write, and what it threw (undefined when it settled): for tests of what a failing function logs.
 */
export async function outputOfFailure(work: () => Promise<unknown>): Promise<{ readonly thrown: unknown; readonly written: readonly string[] }> {
  const written: string[] = [];
  const record = (chunk: unknown): boolean => {
    written.push(chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk));
    return true;
  };
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(record);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(record);
  try {
    const thrown = await work().then(
      () => undefined,
      (error: unknown) => error,
    );
    return { thrown, written };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}
