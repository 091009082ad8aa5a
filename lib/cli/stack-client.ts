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

/** A control route's error answer, as the command's end: a 4xx is a bad input (exit 2). */
export class StackRefusalExit extends CliExit {
  constructor(
    /** The HTTP status of the answer. */
    readonly httpStatus: number,
    message: string,
  ) {
    super(httpStatus >= 400 && httpStatus < 500 ? EXIT_BAD_INPUT : EXIT_FAILURE, message);
    this.name = 'StackRefusalExit';
  }
}

/** Sends a request to a control route; an error answer ends the command (StackRefusalExit). */
async function requestStack(note: StackNote, method: 'GET' | 'POST', route: string, body?: unknown): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`${note.api}${CONTROL_PREFIX}${route}`, {
      method,
      // Every POST, with a body or not: the stack refuses one that is not declared JSON (control-api.ts).
      headers: method === 'POST' ? { 'Content-Type': 'application/json' } : undefined,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new CliExit(EXIT_FAILURE, `the local stack at ${note.api} did not answer`, { cause: error });
  }
  if (response.ok) return response;
  const answer: unknown = await response.json().catch(() => ({}));
  const message = typeof answer === 'object' && answer !== null && 'message' in answer ? String(answer.message) : `HTTP ${response.status}`;
  throw new StackRefusalExit(response.status, message);
}

/** Calls a control route of a running stack; a 4xx answer is a bad input (exit 2). */
export async function callStack(note: StackNote, method: 'GET' | 'POST', route: string, body?: unknown): Promise<unknown> {
  const response = await requestStack(note, method, route, body);
  return (await response.json().catch(() => ({}))) as unknown;
}

/**
 * Calls a control route that answers JSON lines (a launch), handing each line to `onLine` as it
 * arrives; a 4xx answer is a bad input (exit 2).
 */
export async function streamStack(note: StackNote, route: string, body: unknown, onLine: (line: unknown) => void): Promise<void> {
  const response = await requestStack(note, 'POST', route, body);
  if (response.body === null) return;
  const decoder = new TextDecoder();
  let pending = '';
  try {
    for await (const chunk of response.body) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') onLine(JSON.parse(line));
    }
  } catch (error) {
    if (error instanceof CliExit) throw error;
    throw new CliExit(EXIT_FAILURE, `the local stack at ${note.api} broke off its answer`, { cause: error });
  }
  if (pending.trim() !== '') onLine(JSON.parse(pending));
}
