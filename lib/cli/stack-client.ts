/**
 * Talking to a local stack that runs in another process (`overture serve`, `npm start`): it owns
 * the emulators' data, so `send-event`, `launch`, `status` and `why` go through its control
 * routes when it runs, and open the data folder themselves only when it does not.
 */
import { CONTROL_PREFIX } from '../local/control-api';
import { runningStack, type StackNote } from '../local/stack-note';
import { CliExit, EXIT_BAD_INPUT, EXIT_FAILURE } from './io';

/** The running stack on `dataDir`, if any. */
export function findRunningStack(dataDir: string): Promise<StackNote | undefined> {
  return runningStack(dataDir);
}

/** Calls a control route of a running stack; a 4xx answer is a bad input (exit 2). */
export async function callStack(note: StackNote, method: 'GET' | 'POST', route: string, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${note.api}${CONTROL_PREFIX}${route}`, {
      method,
      headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new CliExit(EXIT_FAILURE, `the local stack at ${note.api} did not answer`, { cause: error });
  }
  const answer: unknown = await response.json().catch(() => ({}));
  if (response.ok) return answer;
  const message = typeof answer === 'object' && answer !== null && 'message' in answer ? String(answer.message) : `HTTP ${response.status}`;
  throw new CliExit(response.status >= 400 && response.status < 500 ? EXIT_BAD_INPUT : EXIT_FAILURE, message);
}
