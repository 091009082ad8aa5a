/**
 * Send slots: the providers' rate per channel, kept in the customer table so that every Lambda
 * instance, and every journey, draws on one budget (GCRA, the generic cell rate algorithm).
 *
 * SES takes so many emails a second and a toll-free number so many texts; what is sent faster is
 * refused, not queued. A cohort launched together reaches each send step together, so the send
 * path asks for a slot before it reserves a message: the slot is the instant the message may go,
 * now or later.
 *
 * Transactional messages (a receipt, a reply to the customer's own request) never queue behind
 * marketing ones: a launch to 100,000 customers at 14 emails a second holds the slots of the next
 * two hours, and a receipt must go within seconds. So a channel's rate is split into two classes
 * ({@link sendClassRates}): a tenth kept for transactional messages (at least 1 a second, at most
 * half the rate) and the rest for marketing (every other topic). Each class has one item,
 * `pk = RATE#<channel>` for marketing (the item that held every slot of the channel before the
 * split, read on as marketing's) and `pk = RATE#<channel>#transactional`, with `sk = SLOT`, holding
 * `next`, the epoch ms of the class's next free slot; each claim moves it on by the class's
 * interval (1000 / its rate ms), so no two slots of a class's item are closer than its interval,
 * whichever Lambda instance claimed them, and the two classes together keep to the channel's rate.
 * A transactional claim whose own item is busy may take marketing's slot when marketing is idle
 * (its `next` not later than now): that slot is marketing's, so marketing claims queue behind it,
 * and the sum still keeps to the rate. Marketing never borrows the transactional share: its slots
 * are handed out hours ahead in a launch, and a borrowed one would put a receipt behind it.
 *
 * A claim is one UpdateItem on the class's item, two when it is busy: first `next = now +
 * interval` when `next` is unset or not later than now (the slot is now), else `next = next +
 * interval`, whose old value is the slot. A transactional claim whose item is busy tries
 * marketing's item the first way in between: three at most. No read first and no retry loop: the
 * last update cannot fail. IAM: `dynamodb:UpdateItem`.
 */
import { ConditionalCheckFailedException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { isMarketing, type Channel, type Topic } from '../customer/model';
import { CustomerStoreError } from './errors';
import { PARTITION_KEY, SORT_KEY, type CustomerTable } from './table-design';

/** The channels whose provider limits its rate; letters go to a queue, which takes any rate. */
export type RateLimitedChannel = Exclude<Channel, 'mail'>;

/** Messages per second, by channel; a channel left out (or undefined) is not limited. */
export type SendRates = { readonly [channel in RateLimitedChannel]?: number | undefined };

/** The classes of messages whose slots are kept apart: transactional ones never wait for marketing ones. */
export type SendClass = 'marketing' | 'transactional';

/** The class of a message of `topic`: `transactional`, or marketing for every consent topic. */
export function sendClassOf(topic: Topic): SendClass {
  return isMarketing(topic) ? 'marketing' : 'transactional';
}

/** The part of a channel's rate kept for transactional messages: one tenth. */
const TRANSACTIONAL_PARTS = 10;

/** Transactional messages a second at the least, where the channel's rate is at least twice that. */
const TRANSACTIONAL_MIN_RATE = 1;

/**
 * A channel's `rate` split into its classes' shares, which add up to it: a tenth for transactional
 * messages, but at least {@link TRANSACTIONAL_MIN_RATE} a second (a receipt behind a few others
 * still goes within seconds) and at most half the rate (marketing keeps as much); the rest for
 * marketing. 14 emails a second: 1.4 and 12.6; 3 texts: 1 and 2.
 */
export function sendClassRates(rate: number): { readonly [sendClass in SendClass]: number } {
  const transactional = Math.min(Math.max(rate / TRANSACTIONAL_PARTS, TRANSACTIONAL_MIN_RATE), rate / 2);
  return { transactional, marketing: rate - transactional };
}

/** The key of a channel's slot item for `sendClass`; marketing's is the channel's item from before the split. */
export function sendSlotKey(channel: RateLimitedChannel, sendClass: SendClass = 'marketing'): Record<string, { S: string }> {
  const partition = sendClass === 'marketing' ? `RATE#${channel}` : `RATE#${channel}#${sendClass}`;
  return { [PARTITION_KEY]: { S: partition }, [SORT_KEY]: { S: 'SLOT' } };
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
   * Claims the next slot of `channel` for a message of `sendClass` at `now`: the instant it may go
   * out, `now` itself when the class's share (or, for a transactional message, marketing's) is
   * free. A slot that has passed by the time it is handed out counts as now.
   * @throws CustomerStoreError when the table fails (the send Task retries it).
   */
  async claim(channel: RateLimitedChannel, now: Date, sendClass: SendClass): Promise<Date> {
    const rate = this.rates[channel];
    if (rate === undefined) return now;
    const rates = sendClassRates(rate);
    const at = now.getTime();
    try {
      if (await this.takeIfFree(channel, sendClass, at, rates[sendClass])) return now;
      // Marketing's idle capacity: its slot now, which the marketing claims after it wait for.
      if (sendClass === 'transactional' && (await this.takeIfFree(channel, 'marketing', at, rates.marketing))) return now;
      return new Date(Math.max(await this.takeNext(channel, sendClass, rates[sendClass]), at));
    } catch (error) {
      throw new CustomerStoreError(`claim a ${channel} send slot failed`, { cause: error });
    }
  }

  /**
   * Holds every slot of `channel`, of both classes, until `until`: the next claim of each class
   * gets `until` at the earliest, and later ones follow at the class's rate. For a provider whose
   * quota is used up (SES's 24 hours): the quota is the account's, so transactional messages
   * cannot go either, and the messages waiting for it queue in slot order instead of each asking
   * the provider again; transactional ones at the front of their own queue. Never moves a next
   * slot earlier. One UpdateItem a class.
   * @throws CustomerStoreError when the table fails.
   */
  async holdUntil(channel: RateLimitedChannel, until: Date): Promise<void> {
    const hold = async (sendClass: SendClass): Promise<void> => {
      try {
        await this.table.client.send(
          new UpdateItemCommand({
            TableName: this.table.tableName,
            Key: sendSlotKey(channel, sendClass),
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
    };
    await Promise.all([hold('marketing'), hold('transactional')]);
  }

  /** Takes the slot at `at` of the class's item when it is free then; false when it is not. */
  private async takeIfFree(channel: RateLimitedChannel, sendClass: SendClass, at: number, rate: number): Promise<boolean> {
    try {
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: sendSlotKey(channel, sendClass),
          UpdateExpression: 'SET #next = :following',
          ConditionExpression: 'attribute_not_exists(#next) OR #next <= :now',
          ExpressionAttributeNames: { '#next': 'next' },
          ExpressionAttributeValues: { ':now': { N: String(at) }, ':following': { N: String(at + 1000 / rate) } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Takes the next free slot of the class's item, found busy (`next` after now): the old `next`,
   * rounded up to the millisecond. The update cannot fail on a `next` that is there.
   */
  private async takeNext(channel: RateLimitedChannel, sendClass: SendClass, rate: number): Promise<number> {
    const { Attributes } = await this.table.client.send(
      new UpdateItemCommand({
        TableName: this.table.tableName,
        Key: sendSlotKey(channel, sendClass),
        UpdateExpression: 'SET #next = #next + :interval',
        ExpressionAttributeNames: { '#next': 'next' },
        ExpressionAttributeValues: { ':interval': { N: String(1000 / rate) } },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    // The caller found `next` there, so the old one is; 0 (a slot passed: now) if it is not.
    return Math.ceil(Number(Attributes?.next?.N ?? 0));
  }
}
