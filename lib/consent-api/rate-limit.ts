/**
 * A small in-memory token bucket per client IP and route (the route the router serves, not the raw
 * path: see routeKeys), for the local server and as a per-
 * instance backstop in Lambda. In AWS, the HTTP API's stage and route throttling settings
 * (burst and rate limits, configured in CDK) are what protect the API: a Lambda instance sees
 * only a slice of the traffic, so its buckets are a second line, not the first.
 *
 * A withdrawal made through a link we signed is never refused by the bucket (signedWithdrawals):
 * one-click unsubscribes come from the mailbox provider's servers, many from one address.
 */
import querystring from 'node:querystring';
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { LINK_ROUTES, TOKEN_QUERY_PARAMETER } from '../unsubscribe/links';
import type { TokenPurpose } from '../unsubscribe/token';
import type { ConsentApiDependencies } from './dependencies';
import { RateLimitedError } from './errors';
import { formFields } from './form-body';
import { verifyLinkToken } from './request-origin';

export interface RateLimitSettings {
  /** Requests a client may make in a burst. */
  readonly burst: number;
  /** Requests per second the bucket refills with. */
  readonly ratePerSecond: number;
  /** Buckets kept at most; the least recently used are dropped beyond. @default 10_000 */
  readonly maxClients?: number;
}

/** Generous for people, tight for scripts: 20 at once, then one every 2 seconds. */
export const DEFAULT_RATE_LIMIT: RateLimitSettings = { burst: 20, ratePerSecond: 0.5 };

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Token buckets by key. */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly now: () => Date,
  ) {
    if (!(settings.burst >= 1) || !(settings.ratePerSecond > 0)) {
      throw new RangeError('rate limit needs burst >= 1 and ratePerSecond > 0');
    }
  }

  /** Takes one token for `key`: 0 when allowed, otherwise the seconds until one is available. */
  take(key: string): number {
    const nowMs = this.now().getTime();
    const bucket = this.buckets.get(key) ?? { tokens: this.settings.burst, updatedMs: nowMs };
    const refilled = Math.min(this.settings.burst, bucket.tokens + (Math.max(0, nowMs - bucket.updatedMs) / 1000) * this.settings.ratePerSecond);
    this.buckets.delete(key);
    if (refilled >= 1) {
      this.buckets.set(key, { tokens: refilled - 1, updatedMs: nowMs });
      this.evictBeyondLimit();
      return 0;
    }
    this.buckets.set(key, { tokens: refilled, updatedMs: nowMs });
    return Math.max(1, Math.ceil((1 - refilled) / this.settings.ratePerSecond));
  }

  /** Map order is insertion order and every take re-inserts its key, so the first keys are the least recently used. */
  private evictBeyondLimit(): void {
    const limit = this.settings.maxClients ?? 10_000;
    for (const oldest of this.buckets.keys()) {
      if (this.buckets.size <= limit) return;
      this.buckets.delete(oldest);
    }
  }
}

/** The bucket of every request that matches no route, per client: made-up paths share it. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Which route serves a request (method and path), as a bucket's key: see {@link routeKeys}. */
export type RouteKeyOf = (method: string, path: string) => string;

/**
 * The route key of a request, as the router serves it. @middy/http-router serves a static route's
 * path with or without one trailing slash, so `/unsubscribe/` is `/unsubscribe`; `aliases` names
 * the paths that serve the same page as another (`/p` and `/preferences`), which share its key. A
 * request no route serves gets {@link UNMATCHED_ROUTE}. Keyed on the raw path, a client reset its
 * budget by appending a slash or taking the other alias, and a stream of made-up paths gave it a
 * fresh bucket each, pushing its real ones out of the limiter's memory (its least recently used
 * are dropped).
 */
export function routeKeys(
  routes: ReadonlyArray<{ readonly method: string; readonly path: string }>,
  aliases: Readonly<Record<string, string>> = {},
): RouteKeyOf {
  const keys = new Map(routes.map(({ method, path }) => [`${method} ${path}`, `${method} ${aliases[path] ?? path}`]));
  return (method, path) => {
    const routed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    return keys.get(`${method} ${routed}`) ?? UNMATCHED_ROUTE;
  };
}

/** Whether a request, served by `route` (a {@link RouteKeyOf} key), bypasses the per-client bucket. */
export type RateLimitExemption = (event: APIGatewayProxyEventV2, route: string) => boolean;

/** What @middy/http-urlencode-body-parser parses; it leaves any other body to the route (form-body.ts). */
const URLENCODED_MEDIA_TYPE = /^application\/x-www-form-urlencoded(;.*)?$/;

/** The form fields of a POST body as the route will read them, before its body parser has run. */
function rawFormFields(event: APIGatewayProxyEventV2): Record<string, unknown> {
  const { body } = event;
  if (typeof body === 'string' && URLENCODED_MEDIA_TYPE.test(event.headers['content-type'] ?? '')) {
    return querystring.parse(event.isBase64Encoded ? Buffer.from(body, 'base64').toString() : body);
  }
  return formFields(event);
}

/**
 * The requests that may only withdraw consent, made through a link we signed: the one-click
 * unsubscribe (`POST /unsubscribe`) and the page that offers it (`GET /unsubscribe`, which writes
 * nothing) with a valid `unsubscribe` token, and the preference centre's "withdraw everything"
 * (`POST /preferences` with `action=withdraw-all`) with a valid `preferences` token. The per-client
 * bucket never refuses them: RFC 8058 one-click posts come from the mailbox provider's servers
 * (Gmail, Yahoo), a campaign's unsubscribes from a few addresses, and nothing promises the
 * provider retries a 429, so the 21st recipient would stay subscribed; people behind one proxy or
 * carrier NAT share an address too. They are idempotent (a replay finds the consent withdrawn and
 * writes nothing), and a token cannot be forged, so the bucket still limits every request whose
 * token does not verify (a forgery, an expired preference link, a link of another purpose),
 * every preference save (which may grant), and captures and confirmations. Verifying costs one
 * HMAC, no read. Answers false on any failure to verify: the route then answers it as it would.
 */
export function signedWithdrawals(deps: Pick<ConsentApiDependencies, 'links' | 'now'>): RateLimitExemption {
  const verifies = (event: APIGatewayProxyEventV2, purpose: TokenPurpose): boolean => {
    const token = event.queryStringParameters?.[TOKEN_QUERY_PARAMETER];
    if (token === undefined) return false;
    try {
      verifyLinkToken(deps, token, purpose);
      return true;
    } catch {
      return false;
    }
  };
  const unsubscribePage = `GET /${LINK_ROUTES.unsubscribe}`;
  const oneClick = `POST /${LINK_ROUTES.unsubscribe}`;
  const savePreferences = `POST /${LINK_ROUTES.preferences}`;
  return (event, route) => {
    if (route === unsubscribePage || route === oneClick) return verifies(event, 'unsubscribe');
    if (route === savePreferences) return rawFormFields(event).action === 'withdraw-all' && verifies(event, 'preferences');
    return false;
  };
}

/** No request bypasses the bucket. */
const NO_EXEMPTION: RateLimitExemption = () => false;

/**
 * Middleware: refuses a request with RateLimitedError (429) when its client (source IP) has no
 * token left for its route, as `routeOf` names it ({@link routeKeys}). A request `exempt` allows
 * ({@link signedWithdrawals}) is let through without taking a token.
 */
export function rateLimitPerClient(
  limiter: TokenBucketLimiter,
  routeOf: RouteKeyOf,
  exempt: RateLimitExemption = NO_EXEMPTION,
): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  const rateLimitBefore = async (request: middy.Request<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>): Promise<void> => {
    const { http } = request.event.requestContext;
    const route = routeOf(http.method, http.path);
    if (exempt(request.event, route)) return;
    const retryAfter = limiter.take(`${http.sourceIp} ${route}`);
    if (retryAfter > 0) throw new RateLimitedError(retryAfter);
  };
  return { before: rateLimitBefore };
}
