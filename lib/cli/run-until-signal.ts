/**
 * Runs a local stack until Ctrl-C (SIGINT) or SIGTERM, then closes it, saying so once per press.
 *
 * One Ctrl-C can arrive more than once: the terminal signals every process of the foreground
 * group, and under `npm start` both npm and tsx pass their own signal on to the process below
 * (tsx when the process has not told it, within 30 ms, that it got one), so the stack's process
 * can get two or three within milliseconds. A signal within {@link REPEATED_SIGNAL_WINDOW_MS} of
 * the one that began the stop is taken as that press again and ignored. A later one is a second
 * press: it is answered that the stack is still saving, and the process still finishes closing
 * before it exits (ending it in the middle of saving would lose the clock or the mailbox).
 */
import type { CliIO } from './io';

/**
 * How long after the stop signal another counts as the same press. Long enough for signals
 * passed on by npm and tsx even from a busy event loop, short enough that a person pressing
 * again because nothing seems to happen is answered.
 */
export const REPEATED_SIGNAL_WINDOW_MS = 1000;

/** Options of {@link runUntilSignal}. */
export interface RunUntilSignalOptions {
  /**
   * Real milliseconds, for telling a repeated signal from a second press. Not `Date.now`: the
   * local stack's virtual clock replaces `Date`, and runs hours a second.
   * @default performance.now
   */
  readonly now?: () => number;
}

/** Runs `stack` until SIGINT or SIGTERM, then closes it; see the module comment. Resolves once closed. */
export async function runUntilSignal(
  stack: { run(): Promise<void>; close(): Promise<void> },
  io: CliIO,
  options: RunUntilSignalOptions = {},
): Promise<void> {
  const now = options.now ?? (() => performance.now());
  let stopping: { readonly since: number; readonly closed: Promise<void> } | undefined;
  const stop = (): void => {
    if (stopping !== undefined) {
      if (now() - stopping.since >= REPEATED_SIGNAL_WINDOW_MS) io.stderr('still stopping: saving before it exits…\n');
      return;
    }
    io.stderr('stopping: saving the clock and the mailbox, closing the emulators…\n');
    stopping = {
      since: now(),
      closed: stack.close().then(() => io.stderr('stopped; the data folder keeps everything for the next start\n')),
    };
  };
  // The handlers stay until the stack is closed: without one, a second press would end the
  // process in the middle of saving.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await stack.run();
  } finally {
    if (stopping === undefined) stop();
    await stopping?.closed;
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
