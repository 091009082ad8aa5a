/**
 * Rejected customer events go to the ingest dead-letter queue with the reason, so an operator can
 * see why, fix the producer and redrive. The body is the original event (the queue is encrypted
 * and nothing else keeps it); the reason and ids travel as message attributes, which the console
 * shows without opening the body.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Message attribute names on a dead-lettered event. */
export const DEAD_LETTER_ATTRIBUTES = {
  reason: 'reason',
  customerId: 'customerId',
  rejectedBy: 'rejectedBy',
} as const;

/** SQS message attribute values are at most 256 KiB; reasons are kept far shorter. */
const MAX_REASON_LENGTH = 1000;

/** A rejected event and why. */
export interface DeadLetter {
  readonly event: unknown;
  /** Field paths and messages, never field values. */
  readonly reason: string;
  readonly customerId?: string;
  /** The function that rejected it (`ingest`). */
  readonly rejectedBy: string;
}

/** Sends one rejected event to the dead-letter queue at `queueUrl`. */
export async function sendToDeadLetterQueue(sqs: SQSClient, queueUrl: string, letter: DeadLetter): Promise<void> {
  const text = (value: string) => ({ DataType: 'String', StringValue: value });
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(letter.event ?? null),
      MessageAttributes: {
        [DEAD_LETTER_ATTRIBUTES.reason]: text(letter.reason.slice(0, MAX_REASON_LENGTH)),
        [DEAD_LETTER_ATTRIBUTES.rejectedBy]: text(letter.rejectedBy),
        ...(letter.customerId ? { [DEAD_LETTER_ATTRIBUTES.customerId]: text(letter.customerId) } : {}),
      },
    }),
  );
}
