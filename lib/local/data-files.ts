/** The files a persisted local stack keeps in its data folder (`.overture/`). */
export const DATA_FILES = {
  /** dynalite's LevelDB folder: every customer record, the send ledger, decisions. */
  dynamodb: 'dynamodb',
  /** The execution registry (JSON lines, latest line of a name wins). */
  executions: 'executions.jsonl',
  /** The virtual clock's instant, so a restart goes on from it. */
  clock: 'clock.json',
  /** Every text the SMS outbox accepted (JSON lines). */
  smsOutbox: 'sms-outbox.jsonl',
  /** The link-signing secret of this machine. */
  linkSecret: 'link-secret',
  /** Where a running stack listens (removed when it stops). */
  endpoints: 'endpoints.json',
  /** The SES emulator's mailbox, saved as it runs. */
  mailbox: 'mailbox.json',
  /** What offline commands need to read the data (the customer table's name). */
  stack: 'stack.json',
} as const;
