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
