/**
 * Send slots: the providers' rate per channel, kept in the customer table so that every Lambda
 * instance, and every journey, draws on one budget (GCRA, the generic cell rate algorithm).
 *
 * SES takes so many emails a second and a toll-free number so many texts; what is sent faster is
 * refused, not queued. A cohort launched together reaches each send step together, so the send
 * path asks for a slot before it reserves a message: the slot is the instant the message may go,
 * now or later. One item per channel, `pk = RATE#<channel>`, `sk = SLOT`, holds `next`, the epoch
 * ms of the next free slot; each claim moves it on by the interval (1000 / rate ms), so no two
 * slots of a channel are closer than the interval, whichever Lambda instance claimed them.
 *
 * A claim is one UpdateItem, two when the channel is busy: first `next = now + interval` when
 * `next` is unset or not later than now (the slot is now), else `next = next + interval`, whose
 * old value is the slot. No read first and no retry loop: the second update cannot fail.
 * IAM: `dynamodb:UpdateItem`.
 */
import { ConditionalCheckFailedException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { Channel } from '../customer/model';
import { CustomerStoreError } from './errors';
import { PARTITION_KEY, SORT_KEY, type CustomerTable } from './table-design';

/** The channels whose provider limits its rate; letters go to a queue, which takes any rate. */
export type RateLimitedChannel = Exclude<Channel, 'mail'>;

/** Messages per second, by channel; a channel left out (or undefined) is not limited. */
export type SendRates = { readonly [channel in RateLimitedChannel]?: number | undefined };

/** The key of a channel's slot item. */
export function sendSlotKey(channel: RateLimitedChannel): Record<string, { S: string }> {
  return { [PARTITION_KEY]: { S: `RATE#${channel}` }, [SORT_KEY]: { S: 'SLOT' } };
}

/** The slots of the rate-limited channels in the customer table. */
export class SendSlots {
  constructor(
    private readonly table: CustomerTable,
    private readonly rates: SendRates,
  ) {}

  /** Whether sends on `channel` take a slot first. */
  limits(channel: Channel): channel is RateLimitedChannel {
    return channel !== 'mail' && this.rates[channel] !== undefined;
  }

  /**
   * Claims the next slot of `channel` at `now`: the instant a message may go out, `now` itself
   * when the channel is free. A slot that has passed by the time it is handed out counts as now.
   * @throws CustomerStoreError when the table fails (the send Task retries it).
   */
  async claim(channel: RateLimitedChannel, now: Date): Promise<Date> {
    const rate = this.rates[channel];
    if (rate === undefined) return now;
    const at = now.getTime();
    const update = (expression: string, values: Record<string, number>, condition?: string) =>
      this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: sendSlotKey(channel),
          UpdateExpression: `SET #next = ${expression}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#next': 'next' },
          ExpressionAttributeValues: Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { N: String(value) }])),
          ReturnValues: 'UPDATED_OLD',
        }),
      );
    try {
      try {
        await update(':following', { ':now': at, ':following': at + 1000 / rate }, 'attribute_not_exists(#next) OR #next <= :now');
        return now;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      const { Attributes } = await update('#next + :interval', { ':interval': 1000 / rate });
      // The first update failed on a `next` after now, so the old one is there; now if it is not.
      return new Date(Math.max(Math.ceil(Number(Attributes?.next?.N ?? at)), at));
    } catch (error) {
      throw new CustomerStoreError(`claim a ${channel} send slot failed`, { cause: error });
    }
  }

  /**
   * Holds every slot of `channel` until `until`: the next claim gets `until` at the earliest, and
   * later ones follow at the rate. For a provider whose quota is used up (SES's 24 hours), so that
   * the messages waiting for it queue in slot order instead of each asking the provider again.
   * Never moves the next slot earlier. One UpdateItem.
   * @throws CustomerStoreError when the table fails.
   */
  async holdUntil(channel: RateLimitedChannel, until: Date): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: sendSlotKey(channel),
          UpdateExpression: 'SET #next = :until',
          ConditionExpression: 'attribute_not_exists(#next) OR #next < :until',
          ExpressionAttributeNames: { '#next': 'next' },
          ExpressionAttributeValues: { ':until': { N: String(until.getTime()) } },
        }),
      );
    } catch (error) {
      // Held until later already, by another message that met the same quota.
      if (error instanceof ConditionalCheckFailedException) return;
      throw new CustomerStoreError(`hold the ${channel} send slots failed`, { cause: error });
    }
  }
}
