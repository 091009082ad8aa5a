/**
 * Direct mail: one SQS message per letter on the queue the print vendor reads.
 *
 * The body is JSON, exactly {@link DirectMailRequest}. The queue is expected to be a standard
 * queue with a dead-letter queue: SQS deduplication only spans five minutes on FIFO queues, so
 * "once" comes from the send ledger and the `idempotencyKey`, which is in the body and in a message
 * attribute so the vendor can drop a repeat without parsing. If the queue URL is a FIFO queue
 * (`.fifo`), the adapter also sets `MessageGroupId` (the customer id) and `MessageDeduplicationId`
 * (SHA-256 of the idempotency key, within SQS's 128-character limit).
 *
 * The body holds the postal address: the vendor needs it. It must never be logged.
 */
import { createHash } from 'node:crypto';
import { SendMessageCommand, type SendMessageCommandInput, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from '../schema/zod-mini';
import { CustomerIdSchema, NonEmptyTextSchema, PostalAddressSchema } from '../customer/model';
import { classifyProviderError, MessageInvalidError, ProviderUnknownOutcomeError } from './errors';
import { assertSingleAttemptClient, issuePaths, type ChannelSender, type SendReceipt } from './port';

/** Direct-mail settings from configuration. */
export interface DirectMailSenderConfig {
  /** URL of the direct-mail queue. */
  readonly queueUrl: string;
}

/** A merge-field value: what templates can print. */
export const MergeFieldValueSchema = z.union([NonEmptyTextSchema, z.number(), z.boolean(), z.array(z.string())]);

/** The queue message body the print vendor receives (keys in this order). */
export const DirectMailRequestSchema = z.strictObject({
  customerId: CustomerIdSchema,
  journey: z.string().check(z.minLength(1), z.maxLength(256)),
  step: z.string().check(z.minLength(1), z.maxLength(256)),
  templateId: z.string().check(z.minLength(1), z.maxLength(64)),
  printTemplate: z.string().check(z.minLength(1), z.maxLength(256)),
  address: PostalAddressSchema,
  mergeFields: z.record(NonEmptyTextSchema, MergeFieldValueSchema),
  /** Stable across retries of one step of one execution; the vendor prints at most one letter per key. */
  idempotencyKey: z.string().check(z.minLength(1), z.maxLength(512)),
});
export type DirectMailRequest = z.infer<typeof DirectMailRequestSchema>;

/** One letter; the same fields as the body. */
export type DirectMailMessage = z.input<typeof DirectMailRequestSchema>;

export type DirectMailSender = ChannelSender<DirectMailMessage>;

/** The message attribute that repeats the idempotency key. */
export const IDEMPOTENCY_KEY_ATTRIBUTE = 'idempotencyKey';

/** The exact `SendMessage` input for `message`. @throws MessageInvalidError (naming fields, never values). */
export function buildDirectMailInput(message: DirectMailMessage, config: DirectMailSenderConfig): SendMessageCommandInput {
  const parsed = DirectMailRequestSchema.safeParse(message);
  if (!parsed.success) throw new MessageInvalidError('mail', issuePaths(parsed.error.issues), { cause: parsed.error });
  const request = parsed.data;
  const body: DirectMailRequest = {
    customerId: request.customerId,
    journey: request.journey,
    step: request.step,
    templateId: request.templateId,
    printTemplate: request.printTemplate,
    address: request.address,
    mergeFields: request.mergeFields,
    idempotencyKey: request.idempotencyKey,
  };
  const fifo = config.queueUrl.endsWith('.fifo');
  return {
    QueueUrl: config.queueUrl,
    MessageBody: JSON.stringify(body),
    MessageAttributes: {
      [IDEMPOTENCY_KEY_ATTRIBUTE]: { DataType: 'String', StringValue: request.idempotencyKey },
    },
    ...(fifo
      ? {
          MessageGroupId: request.customerId,
          MessageDeduplicationId: createHash('sha256').update(request.idempotencyKey).digest('hex'),
        }
      : {}),
  };
}

/** Puts letters on the direct-mail queue. The client must be built with `PROVIDER_CLIENT_CONFIG`. */
export class SqsDirectMailSender implements DirectMailSender {
  private singleAttemptCheck: Promise<void> | undefined;

  constructor(
    private readonly client: SQSClient,
    private readonly config: DirectMailSenderConfig,
  ) {}

  /** @throws MessageInvalidError, ChannelConfigurationError, or a ProviderError subclass. */
  async send(message: DirectMailMessage): Promise<SendReceipt> {
    const input = buildDirectMailInput(message, this.config);
    this.singleAttemptCheck ??= assertSingleAttemptClient(this.client, 'SQSClient');
    await this.singleAttemptCheck;
    let messageId: string | undefined;
    try {
      ({ MessageId: messageId } = await this.client.send(new SendMessageCommand(input)));
    } catch (error) {
      throw classifyProviderError(error, 'sqs');
    }
    if (messageId === undefined || messageId === '') {
      throw new ProviderUnknownOutcomeError({ provider: 'sqs', code: 'MissingMessageId' });
    }
    return { providerMessageId: messageId };
  }
}
