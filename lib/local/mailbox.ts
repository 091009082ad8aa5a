/**
 * Keeps the SES emulator's mailbox across restarts of the local stack: aws-ses-v2-local holds the
 * emails it accepted in memory, so the runtime appends each one to the data folder's mailbox file
 * (JSON lines) as the emulator accepts it, before the send path records the message as sent, and
 * puts them all back when it starts. A kill at any moment therefore loses no email the send ledger
 * holds as sent; saved every two seconds instead, the last ones were lost for good. (The send
 * ledger in DynamoDB is the record of what was sent; this is only so the mailbox a person looks at
 * still shows it.)
 */
import { appendFile, readFile } from 'node:fs/promises';
import { getStoreReadonly, saveEmail, type Email } from 'aws-ses-v2-local/dist/store';

/** The emails a mailbox file holds, in order: JSON lines, or the JSON array older folders saved. A line a kill cut short is left out. */
export async function readMailboxFile(file: string): Promise<Email[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  if (text.trimStart().startsWith('[')) {
    const saved: unknown = JSON.parse(text);
    return Array.isArray(saved) ? (saved as Email[]) : [];
  }
  return text.split('\n').flatMap((line) => {
    try {
      return line.trim() === '' ? [] : [JSON.parse(line) as Email];
    } catch {
      return [];
    }
  });
}

/** Puts the emails saved in `files` (oldest first) back into the emulator's store, each once. */
export async function restoreMailbox(...files: readonly string[]): Promise<number> {
  const known = new Set(getStoreReadonly().emails.map((email) => email.messageId));
  let restored = 0;
  for (const file of files) {
    for (const email of await readMailboxFile(file)) {
      if (typeof email?.messageId !== 'string' || known.has(email.messageId)) continue;
      saveEmail(email);
      known.add(email.messageId);
      restored += 1;
    }
  }
  return restored;
}

/** An initialize-step middleware, as far as {@link journalSentEmails} needs to know it. */
type InitializeMiddleware = (
  next: (args: { input: unknown }) => Promise<{ output: unknown }>,
  context: { commandName?: string },
) => (args: { input: unknown }) => Promise<{ output: unknown }>;

/**
 * Makes `client` (the runtime's SES client) append every email the emulator accepts to `file`
 * before the SendEmail call returns: so before the send path records it as sent.
 */
export function journalSentEmails(client: { middlewareStack: { add: (...args: never[]) => void } }, file: string): void {
  const journal = new MailboxJournal(file);
  // The stack's overloads differ per step and cannot be named generically; this is the initialize one.
  const add = client.middlewareStack.add.bind(client.middlewareStack) as unknown as (middleware: InitializeMiddleware, options: { step: 'initialize'; name: string }) => void;
  add(
    (next, context) => async (args) => {
      const result = await next(args);
      const messageId = (result.output as { MessageId?: unknown } | undefined)?.MessageId;
      if (context.commandName === 'SendEmailCommand' && typeof messageId === 'string') await journal.keep(messageId);
      return result;
    },
    { step: 'initialize', name: 'overtureMailboxJournal' },
  );
}

/** Appends the emails the emulator accepts to a mailbox file, one line each, one append at a time. */
export class MailboxJournal {
  private appending: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  /** Appends the email the emulator accepted as `messageId`; resolves once it is in the file. */
  keep(messageId: string): Promise<void> {
    const { emails } = getStoreReadonly();
    let email: Email | undefined;
    // The email just accepted is the last one, or near it when others were sent meanwhile.
    for (let index = emails.length - 1; index >= 0 && email === undefined; index -= 1) if (emails[index]?.messageId === messageId) email = emails[index];
    if (email === undefined) return this.appending;
    this.appending = this.appending.then(() => appendFile(this.file, `${JSON.stringify(email)}\n`, 'utf8'));
    return this.appending;
  }
}
