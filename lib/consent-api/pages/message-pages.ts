/** The small pages: unsubscribe confirmation, outcomes, and errors. */
import { html, type Html } from './html';
import { page } from './layout';

/** `GET /unsubscribe`: what the link will do, and a button that POSTs the RFC 8058 body. */
export function unsubscribePage(options: {
  readonly actionUrl: string;
  readonly topicLabel: string;
  readonly channelLabel: string;
  readonly preferencesUrl: string;
}): Html {
  return page(
    'Unsubscribe',
    html`<h1>Unsubscribe</h1>
<p>Stop receiving <strong>${options.topicLabel}</strong> by <strong>${options.channelLabel}</strong>?</p>
<form method="post" action="${options.actionUrl}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>
<p class="hint">You can also <a href="${options.preferencesUrl}">choose what we send you and when</a>.</p>`,
  );
}

/** A page that reports an outcome: unsubscribed, confirmed… */
export function outcomePage(options: {
  readonly title: string;
  readonly message: string;
  readonly preferencesUrl?: string;
}): Html {
  return page(
    options.title,
    html`<h1>${options.title}</h1>
<p role="status">${options.message}</p>
${options.preferencesUrl === undefined ? '' : html`<p><a href="${options.preferencesUrl}">Review all your preferences</a></p>`}`,
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
