/** The small pages: the double opt-in and unsubscribe confirmations, outcomes, and errors. */
import type { Channel } from '../../customer/model';
import { html, type Html } from './html';
import { page } from './layout';

/**
 * `GET /confirm`: what the double opt-in will grant, and a button that POSTs to the same URL. The
 * link only opens this page, because mail scanners fetch links; the person presses the button.
 */
export function confirmSubscriptionPage(options: { readonly actionUrl: string; readonly topicLabel: string }): Html {
  return page(
    'Confirm your subscription',
    html`<h1>Confirm your subscription</h1>
<p>Receive <strong>${options.topicLabel}</strong> by <strong>email</strong>?</p>
<form method="post" action="${options.actionUrl}">
<button type="submit">Yes, send me ${options.topicLabel}</button>
</form>
<p class="hint">If you did not ask for this, close this page: nothing changes unless you press the button.</p>`,
  );
}

/** `GET /unsubscribe`: what the link will do, and a button that POSTs the RFC 8058 body. */
export function unsubscribePage(options: {
  readonly actionUrl: string;
  readonly topicLabel: string;
  readonly channelLabel: string;
  /** The preference centre, when the link still opens it (an old or retired-key unsubscribe link does not). */
  readonly preferencesUrl?: string;
}): Html {
  return page(
    'Unsubscribe',
    html`<h1>Unsubscribe</h1>
<p>Stop receiving <strong>${options.topicLabel}</strong> by <strong>${options.channelLabel}</strong>?</p>
<form method="post" action="${options.actionUrl}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>
${options.preferencesUrl === undefined ? '' : html`<p class="hint">You can also <a href="${options.preferencesUrl}">choose what we send you and when</a>.</p>`}`,
  );
}

/** What the unsubscribed customer stops receiving, as "these …" names it, per channel. */
const UNSUBSCRIBED_MESSAGES: Readonly<Record<Channel, string>> = { email: 'emails', sms: 'texts', mail: 'letters' };

/**
 * After the one-click unsubscribe: what stopped, and the way back (the preference centre) when
 * the link still opens it, since a press of the button may have been a mistake.
 */
export function unsubscribedPage(options: {
  readonly topicLabel: string;
  readonly channel: Channel;
  readonly channelLabel: string;
  /** The preference centre, when the link still opens it (an old or retired-key unsubscribe link does not). */
  readonly preferencesUrl?: string;
}): Html {
  return page(
    'You are unsubscribed',
    html`<h1>You are unsubscribed</h1>
<p role="status">You will no longer receive ${options.topicLabel} by ${options.channelLabel}.</p>
${
  options.preferencesUrl === undefined
    ? ''
    : html`<p>Changed your mind? You can turn these ${UNSUBSCRIBED_MESSAGES[options.channel]} back on in <a href="${options.preferencesUrl}">your preferences</a>.</p>`
}`,
  );
}

/** A page that reports an outcome: confirmed, nothing to confirm… */
export function outcomePage(options: { readonly title: string; readonly message: string }): Html {
  return page(
    options.title,
    html`<h1>${options.title}</h1>
<p role="status">${options.message}</p>`,
  );
}

/** A page for a refused request (bad or expired link, malformed form, too many requests). */
export function problemPage(options: { readonly title: string; readonly message: string }): Html {
  return page(
    options.title,
    html`<h1>${options.title}</h1>
<p role="alert">${options.message}</p>`,
  );
}
