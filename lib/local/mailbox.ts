/**
 * Keeps the SES emulator's mailbox across restarts of the local stack: aws-ses-v2-local holds the
 * emails it accepted in memory, so the stack writes them to the data folder as it runs and puts
 * them back when it starts. (The send ledger in DynamoDB is the record of what was sent; this is
 * only so the mailbox a person looks at still shows it.)
 */
import { readFile } from 'node:fs/promises';
import { getStoreReadonly, saveEmail, type Email } from 'aws-ses-v2-local/dist/store';
import { writeDataFile } from './data-files';

/** Puts the emails saved in `file` back into the emulator's (empty) store. */
export async function restoreMailbox(file: string): Promise<number> {
  let emails: Email[];
  try {
    emails = JSON.parse(await readFile(file, 'utf8')) as Email[];
  } catch {
    return 0;
  }
  if (!Array.isArray(emails)) return 0;
  const known = new Set(getStoreReadonly().emails.map((email) => email.messageId));
  let restored = 0;
  for (const email of emails) {
    if (typeof email?.messageId !== 'string' || known.has(email.messageId)) continue;
    saveEmail(email);
    restored += 1;
  }
  return restored;
}

/** Writes the emulator's emails to `file` (atomically: a kill mid-write leaves the previous copy). */
export async function saveMailbox(file: string): Promise<void> {
  await writeDataFile(file, JSON.stringify(getStoreReadonly().emails));
}
