/**
 * Turns one gate decision into the message an adapter sends: the template rendered for the chosen
 * channel with the customer's personalization, signed links and the sender's postal address. Runs before the send-ledger entry
 * is written, so a template or address problem leaves nothing half-written.
 */
import type { Channel, CustomerSnapshot, Topic } from '../customer/model';
import { isMarketing } from '../customer/model';
import {
  MessageInvalidError,
  type DirectMailMessage,
  type DirectMailSender,
  type EmailMessage,
  type EmailSender,
  type SendReceipt,
  type SmsMessage,
  type SmsSender,
} from '../channels';
import { mailMergeFields, personalizationFor, renderEmail, renderSms, type TemplateCatalog } from '../templates';
import { messageLinks, type LinkConfig } from '../unsubscribe';

/** The adapters, one per channel. */
export interface ChannelSenders {
  readonly email: EmailSender;
  readonly sms: SmsSender;
  readonly mail: DirectMailSender;
}

/** The ids a message is sent under; no personal data. */
export interface MessageIds {
  readonly customerId: string;
  readonly journey: string;
  readonly step: string;
  readonly templateId: string;
  readonly topic: Topic;
  readonly idempotencyKey: string;
}

/** A rendered message, ready for its channel's adapter. */
export type ComposedMessage =
  | { readonly channel: 'email'; readonly message: EmailMessage }
  | { readonly channel: 'sms'; readonly message: SmsMessage }
  | { readonly channel: 'mail'; readonly message: DirectMailMessage };

/** What composing needs besides the customer. */
export interface CompositionContext {
  readonly templates: TemplateCatalog;
  readonly links: LinkConfig;
  /** The sender's postal address (`overture:senderPostalAddress`), the `{{ senderPostalAddress }}` of every template. */
  readonly senderPostalAddress: string;
  readonly now: Date;
  /**
   * When the customer's allowed hours close (the gate's `openUntil`): a text's time to live ends
   * then, so one held up on its way to the carrier does not arrive in quiet hours.
   */
  readonly openUntil?: Date;
}

/**
 * Renders template `ids.templateId` for `channel`.
 * @throws TemplateNotFoundError, TemplateRenderError, or MessageInvalidError when the customer
 *   lacks the contact point (the gate checks reachability first, so this means a bug or a race).
 */
export function composeMessage(
  channel: Channel,
  snapshot: CustomerSnapshot,
  ids: MessageIds,
  context: CompositionContext,
): ComposedMessage {
  const template = context.templates.get(ids.templateId);
  const { profile } = snapshot;
  // An email's links carry a digest of the address it goes to: they prove that mailbox, no other.
  const to = channel === 'email' && profile.email !== undefined ? { to: profile.email } : {};
  const links = messageLinks({ customerId: ids.customerId, channel, topic: ids.topic, ...to }, context.links, context.now);
  const data = personalizationFor(snapshot, links, { senderPostalAddress: context.senderPostalAddress });
  const envelope = { customerId: ids.customerId, journey: ids.journey, step: ids.step, topic: ids.topic };
  switch (channel) {
    case 'email': {
      if (profile.email === undefined) throw new MessageInvalidError('email', ['to']);
      const unsubscribe = isMarketing(ids.topic) ? { unsubscribeUrl: links.unsubscribeUrl } : {};
      return {
        channel,
        message: { ...envelope, to: profile.email, content: renderEmail(template, data), ...unsubscribe },
      };
    }
    case 'sms':
      if (profile.phone === undefined) throw new MessageInvalidError('sms', ['to']);
      return { channel, message: { ...envelope, to: profile.phone, body: renderSms(template, data), ...openFor(context) } };
    case 'mail': {
      if (profile.address === undefined) throw new MessageInvalidError('mail', ['address']);
      const { printTemplate, mergeFields } = mailMergeFields(template, data);
      return {
        channel,
        message: {
          customerId: ids.customerId,
          journey: ids.journey,
          step: ids.step,
          templateId: ids.templateId,
          printTemplate,
          address: profile.address,
          mergeFields: { ...mergeFields },
          idempotencyKey: ids.idempotencyKey,
        },
      };
    }
  }
}

/** The seconds the customer's allowed hours stay open, as a text asks for them; none when they do not close. */
function openFor(context: CompositionContext): { openForSeconds?: number } {
  if (context.openUntil === undefined) return {};
  return { openForSeconds: Math.max(0, Math.floor((context.openUntil.getTime() - context.now.getTime()) / 1000)) };
}

/** Hands a composed message to its channel's adapter. */
export function dispatchMessage(senders: ChannelSenders, composed: ComposedMessage): Promise<SendReceipt> {
  switch (composed.channel) {
    case 'email':
      return senders.email.send(composed.message);
    case 'sms':
      return senders.sms.send(composed.message);
    case 'mail':
      return senders.mail.send(composed.message);
  }
}
