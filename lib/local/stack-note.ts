/**
 * The note a running local stack leaves in its data folder (`endpoints.json`), so that other
 * `overture` commands find it; removed when the stack stops.
 */
import path from 'node:path';
import * as z from 'zod';
import { DATA_FILES, readDataFile } from './data-files';
import { isProcessRunning } from './process-identity';

/** What `endpoints.json` holds: enough for another process to find a running stack and its data. */
export const StackNoteSchema = z.object({
  pid: z.number().int(),
  /** The process's start, when the system tells it (process-identity.ts): a reused pid is no stack. */
  started: z.string().optional(),
  api: z.string(),
  mailbox: z.string(),
  tableName: z.string(),
  endpoints: z.record(z.string(), z.string()),
  smsOutbox: z.string(),
});
export type StackNote = z.infer<typeof StackNoteSchema>;

/** The note of a stack running on `dataDir`, when its process is alive; undefined otherwise. */
export async function runningStack(dataDir: string): Promise<StackNote | undefined> {
  const note = await readDataFile(path.join(path.resolve(dataDir), DATA_FILES.endpoints), StackNoteSchema);
  if (note === undefined) return undefined;
  return isProcessRunning(note.pid, note.started) ? note : undefined;
}
