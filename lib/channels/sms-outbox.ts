/**
 * The local stack's SMS provider: no SMS emulator exists, so texts are validated and built exactly
 * as the real adapter builds them, then kept in memory and, optionally, appended as JSON lines to a
 * file (the local equivalent of a carrier's log). It implements the same port as
 * `EndUserMessagingSmsSender`, so the send function cannot tell them apart.
 *
 * Like End User Messaging's opt-out list, it refuses every text to a number that said STOP (the
 * inbound-SMS handler calls `optOut`, as the service itself does on AWS) until the number says
 * START, with the same `RecipientOptedOutError` the real adapter throws, so the send path records
 * the refusal locally exactly as it does on AWS. The list is in memory; the local stack passes the
 * list it kept (`optedOut`) and keeps each change (`onOptOutsChanged`), so a STOP holds across
 * restarts as End User Messaging's list does.
 *
 * The outbox holds phone numbers and texts, like the SES emulator's mailbox holds addresses; keep
 * its file under the project's local data folder, never in logs.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { RecipientOptedOutError } from './errors';
import type { SendReceipt } from './port';
import { prepareSms, type PreparedSms, type SmsMessage, type SmsSender, type SmsSenderConfig } from './sms';
import type { SmsEncoding } from './sms-segments';

/** One text the outbox accepted: what the real adapter would have sent, and when. */
export interface OutboxSms {
  readonly messageId: string;
  /** ISO-8601 instant from the outbox's clock. */
  readonly at: string;
  readonly input: PreparedSms['input'];
  readonly segments: number;
  readonly encoding: SmsEncoding;
}

export interface LocalSmsOutboxOptions {
  /** JSON-lines file to append every text to; in memory only when absent. */
  readonly file?: string;
  /** Clock; the simulator passes its virtual clock. @default wall clock */
  readonly now?: () => Date;
  /** Message ids; the simulator passes a seeded generator. @default `local-sms-<uuid>` */
  readonly newMessageId?: () => string;
  /** The numbers on the opt-out list at the start. @default none */
  readonly optedOut?: Iterable<string>;
  /** Told the whole list, sorted, after each change of it. */
  readonly onOptOutsChanged?: (numbers: readonly string[]) => void;
}

/** An SMS "provider" for the local stack and the simulator. */
export class LocalSmsOutbox implements SmsSender {
  private readonly sent: OutboxSms[] = [];
  private readonly optedOut: Set<string>;
  private folderReady: Promise<unknown> | undefined;

  constructor(
    private readonly config: SmsSenderConfig,
    private readonly options: LocalSmsOutboxOptions = {},
  ) {
    this.optedOut = new Set(options.optedOut);
  }

  /** The number (or its ARN) the texts go out from, and replies come in to. */
  get originationIdentity(): string {
    return this.config.originationIdentity;
  }

  /**
   * @throws MessageInvalidError, exactly as the real adapter; `RecipientOptedOutError` for a number
   *   on the opt-out list (nothing is kept).
   */
  async send(message: SmsMessage): Promise<SendReceipt> {
    const prepared = prepareSms(message, this.config);
    if (this.optedOut.has(prepared.input.DestinationPhoneNumber)) {
      // What End User Messaging answers: ConflictException, reason DESTINATION_PHONE_NUMBER_OPTED_OUT.
      throw new RecipientOptedOutError({ provider: 'sms', code: 'ConflictException', httpStatusCode: 409 });
    }
    const entry: OutboxSms = {
      messageId: this.options.newMessageId?.() ?? `local-sms-${randomUUID()}`,
      at: (this.options.now?.() ?? new Date()).toISOString(),
      input: prepared.input,
      segments: prepared.segments.segments,
      encoding: prepared.segments.encoding,
    };
    this.sent.push(entry);
    if (this.options.file !== undefined) {
      const file = this.options.file;
      this.folderReady ??= mkdir(path.dirname(file), { recursive: true });
      await this.folderReady;
      await appendFile(file, `${JSON.stringify(entry)}\n`, 'utf8');
    }
    return { providerMessageId: entry.messageId, segments: entry.segments };
  }

  /** Puts the number on the opt-out list (it texted STOP): no text to it is accepted until `optIn`. */
  optOut(phone: string): void {
    if (this.optedOut.has(phone)) return;
    this.optedOut.add(phone);
    this.options.onOptOutsChanged?.([...this.optedOut].sort());
  }

  /** Takes the number off the opt-out list (it texted START). */
  optIn(phone: string): void {
    if (!this.optedOut.delete(phone)) return;
    this.options.onOptOutsChanged?.([...this.optedOut].sort());
  }

  /** The texts accepted so far by this instance, oldest first. */
  messages(): readonly OutboxSms[] {
    return [...this.sent];
  }
}
