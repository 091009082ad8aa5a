/**
 * The page at the root of the local stack's HTTP endpoint (`GET /`), which `overture serve` and
 * `npm start` print as the consent API's address. The API itself has no root: its pages open
 * from the signed links every message carries, so the root says that, lists the API's routes and
 * links to the mailbox, where those messages are.
 */
import type { RequestListener } from 'node:http';
import { CONSENT_API_ROUTES, EXPORT_ROUTE } from '../consent-api/http-api';
import { html, type Html } from '../consent-api/pages/html';
import { page, PAGE_CONTENT_SECURITY_POLICY } from '../consent-api/pages/layout';
import { LINK_ROUTES, SHORT_PREFERENCES_ROUTE } from '../unsubscribe';

/** What each route of the consent API is for, by path. */
const ROUTE_PURPOSES: Readonly<Record<string, string>> = {
  '/consents': 'records a consent with its proof (JSON)',
  [`/${LINK_ROUTES.confirm}`]: 'double opt-in confirmation (signed link)',
  [`/${LINK_ROUTES.unsubscribe}`]: 'one-click unsubscribe (signed link, RFC 8058)',
  [`/${LINK_ROUTES.preferences}`]: 'preference centre (signed link)',
  [`/${SHORT_PREFERENCES_ROUTE}`]: 'preference centre (the short link of texts and postcards)',
  [`/${EXPORT_ROUTE}`]: "the customer's consent ledger as JSON (signed preference link)",
};

/** Options of {@link stackIndexPage}. */
export interface StackIndexOptions {
  /** The mailbox web UI of the SES emulator. */
  readonly mailbox: string;
}

/** The page; see the module comment. */
function stackIndexPage(options: StackIndexOptions): Html {
  const routes = CONSENT_API_ROUTES.map((route) => {
    const purpose = ROUTE_PURPOSES[route.path];
    return html`<li><code>${route.method} ${route.path}</code>${purpose === undefined ? '' : ` — ${purpose}`}</li>`;
  });
  return page(
    'Overture local stack',
    html`<h1>Overture local stack</h1>
<p>This endpoint serves the consent API, as API Gateway does in AWS. Its pages open from the signed
links in every message: open an email in the <a href="${options.mailbox}">mailbox</a> and follow its
preference or unsubscribe link. <code>npm start</code> also prints the preference-centre link of one demo
customer.</p>
<h2>Consent API</h2>
<ul>${routes}</ul>
<h2>Stack control</h2>
<p>Under <code>/_overture/</code>, for the <code>overture</code> commands of other terminals
(<code>GET /_overture/health</code>, <code>GET /_overture/status</code>).</p>`,
  );
}

/** A request listener that answers `GET /` (and `HEAD /`) with the page, and hands every other request to `next`. */
export function withStackIndex(next: RequestListener, options: StackIndexOptions): RequestListener {
  return (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname !== '/' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      next(req, res);
      return;
    }
    const body = stackIndexPage(options).text;
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'Content-Security-Policy': PAGE_CONTENT_SECURITY_POLICY,
      'Cache-Control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
