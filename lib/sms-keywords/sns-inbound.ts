/**
 * The SNS side of inbound SMS: End User Messaging publishes each inbound text to an SNS topic,
 * which invokes the sms-inbound function with one record per text.
 */
import type { SNSEvent } from 'aws-lambda';
import { safeParse } from 'zod';
import * as z from '../schema/zod-mini';
import { InstantSchema } from '../customer/model';
import { handleInboundSms, type InboundSmsDependencies, type InboundSmsOutcome } from './handle-inbound-sms';
import { InboundSmsSchema } from './inbound-sms';

/** An SNS record that does not hold an inbound text as End User Messaging publishes it. Retrying cannot help. */
export class InboundSmsFormatError extends Error {
  constructor(
    readonly fields: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`inbound SMS record is malformed at ${fields.join(', ') || '(root)'}`, options);
    this.name = 'InboundSmsFormatError';
  }
}

const SnsRecordSchema = z.object({
  Sns: z.object({ Message: z.string(), Timestamp: InstantSchema }),
});

/**
 * Classic zod's `safeParse` (one function, not the whole API): the schemas are zod/mini's, and a
 * malformed record's InboundSmsFormatError keeps a `ZodError` as its cause, whose name is logged.
 */
function parseRecord(record: unknown): { message: z.infer<typeof InboundSmsSchema>; receivedAt: string } {
  const envelope = safeParse(SnsRecordSchema, record);
  if (!envelope.success) {
    throw new InboundSmsFormatError(envelope.error.issues.map((issue) => issue.path.join('.')), { cause: envelope.error });
  }
  let body: unknown;
  try {
    body = JSON.parse(envelope.data.Sns.Message);
  } catch {
    // No cause: the parser's message quotes the text, which holds a number and what was texted.
    throw new InboundSmsFormatError(['Sns.Message']);
  }
  const message = safeParse(InboundSmsSchema, body);
  if (!message.success) {
    // Paths only: the values are a phone number and a text.
    throw new InboundSmsFormatError(message.error.issues.map((issue) => `Sns.Message.${issue.path.join('.')}`), { cause: message.error });
  }
  return { message: message.data, receivedAt: envelope.data.Sns.Timestamp };
}

/** Applies every text of the event in order; the first failure is thrown, so SNS retries the event. */
export async function processInboundSmsEvent(event: SNSEvent, deps: InboundSmsDependencies): Promise<InboundSmsOutcome[]> {
  const outcomes: InboundSmsOutcome[] = [];
  for (const record of event.Records) {
    const { message, receivedAt } = parseRecord(record);
    outcomes.push(await handleInboundSms(deps, message, receivedAt));
  }
  return outcomes;
}
