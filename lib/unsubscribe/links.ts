/**
 * The signed links every message carries, and the routes the consent API (issue 7) serves them on.
 *
 * A link is `<base>/<route>?token=<token>`, where `<base>` is the public URL of the consent API
 * from configuration (`https://prefs.example.com` or `https://example.com/overture`). One-click
 * unsubscribe (RFC 8058) needs an https URL; plain http is accepted only for a loopback host, which
 * is what the local stack serves on.
 */
import type { Channel, CustomerId, Topic } from '../customer/model';
import { LinkConfigurationError, TokenInvalidError } from './errors';
import { DEFAULT_TOKEN_TTL_SECONDS, destinationDigest, signToken, type TokenPurpose, type TokenSecret } from './token';

/** The route, relative to the base URL, that serves each purpose. */
export const LINK_ROUTES: Readonly<Record<TokenPurpose, string>> = {
  unsubscribe: 'unsubscribe',
  preferences: 'preferences',
  confirm: 'confirm',
};

/**
 * A second, short route to the preference centre (`GET` only: its form posts to the long one),
 * for the links of texts and postcards, where every character counts: a text's link is paid by
 * the segment, and a postcard's is typed in by hand.
 */
export const SHORT_PREFERENCES_ROUTE = 'p';

/** The query parameter that carries the token. */
export const TOKEN_QUERY_PARAMETER = 'token';

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

function parseBaseUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (error) {
    throw new LinkConfigurationError(`link base URL "${baseUrl}" is not a URL`, { cause: error });
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new LinkConfigurationError(`link base URL "${baseUrl}" must use https (http is allowed only for localhost)`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new LinkConfigurationError(`link base URL "${baseUrl}" must not carry a query or fragment`);
  }
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url;
}

/** `route` below `baseUrl`, carrying `token`. */
function routeUrl(baseUrl: string, route: string, token: string): string {
  const url = new URL(route, parseBaseUrl(baseUrl));
  url.searchParams.set(TOKEN_QUERY_PARAMETER, token);
  return url.toString();
}

/** The link for `purpose` carrying `token`. @throws LinkConfigurationError for a base URL that is not https (or loopback http). */
export function linkUrl(baseUrl: string, purpose: TokenPurpose, token: string): string {
  return routeUrl(baseUrl, LINK_ROUTES[purpose], token);
}

/** The one-click unsubscribe URL (`List-Unsubscribe`, and the footer link) for `token`. */
export function unsubscribeUrl(baseUrl: string, token: string): string {
  return linkUrl(baseUrl, 'unsubscribe', token);
}

/** The preference-centre URL for `token`. */
export function preferencesUrl(baseUrl: string, token: string): string {
  return linkUrl(baseUrl, 'preferences', token);
}

/** The preference-centre URL for `token` on the {@link SHORT_PREFERENCES_ROUTE}. */
export function shortPreferencesUrl(baseUrl: string, token: string): string {
  return routeUrl(baseUrl, SHORT_PREFERENCES_ROUTE, token);
}

/** The double opt-in confirmation URL for `token`. */
export function confirmUrl(baseUrl: string, token: string): string {
  return linkUrl(baseUrl, 'confirm', token);
}

/** Whether `url` may go into a `List-Unsubscribe` header: https, or http on a loopback host. */
export function isOneClickCapableUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || (parsed.protocol === 'http:' && LOOPBACK_HOSTS.has(parsed.hostname));
  } catch {
    return false;
  }
}

/** The token carried by a link built here. @throws TokenInvalidError when the URL holds no token. */
export function tokenFromUrl(url: string): string {
  let token: string | null = null;
  try {
    token = new URL(url).searchParams.get(TOKEN_QUERY_PARAMETER);
  } catch (error) {
    throw new TokenInvalidError('link is not a URL', { cause: error });
  }
  if (token === null || token === '') throw new TokenInvalidError('link carries no token');
  return token;
}

/** Link settings from configuration. */
export interface LinkConfig {
  /** Public base URL of the consent API, e.g. `https://prefs.example.com`. */
  readonly baseUrl: string;
  /** Signing secret, at least 32 bytes. */
  readonly secret: TokenSecret;
  /** Lifetimes per purpose; defaults to {@link DEFAULT_TOKEN_TTL_SECONDS}. */
  readonly ttlSeconds?: Partial<Record<TokenPurpose, number>>;
}

/** The two links a message carries; the personalization data exposes them to templates. */
export interface MessageLinks {
  readonly unsubscribeUrl: string;
  readonly preferencesUrl: string;
}

/**
 * Signs the unsubscribe and preference-centre links for one message to one customer on one
 * channel and topic. For an email, `to` is the address it goes to: both links then carry its
 * keyed digest (the token's `destination`, never the address), so that a tick of email in the
 * preference centre grants at once only while the profile still holds that address (the
 * unsubscribe page passes the digest on to the preference link it offers). A text's or a
 * postcard's preference link takes the {@link SHORT_PREFERENCES_ROUTE}.
 */
export function messageLinks(
  scope: { readonly customerId: CustomerId; readonly channel: Channel; readonly topic: Topic; readonly to?: string },
  config: LinkConfig,
  now: Date,
): MessageLinks {
  const { to, ...claims } = scope;
  const destination = to === undefined ? {} : { destination: destinationDigest(to, config.secret) };
  const ttl = (purpose: TokenPurpose): number => config.ttlSeconds?.[purpose] ?? DEFAULT_TOKEN_TTL_SECONDS[purpose];
  const sign = (purpose: TokenPurpose): string =>
    signToken({ ...claims, ...destination, purpose }, config.secret, { now, ttlSeconds: ttl(purpose) });
  const preferencesOf = claims.channel === 'email' ? preferencesUrl : shortPreferencesUrl;
  return {
    unsubscribeUrl: unsubscribeUrl(config.baseUrl, sign('unsubscribe')),
    preferencesUrl: preferencesOf(config.baseUrl, sign('preferences')),
  };
}
