/**
 * A small in-memory token bucket per client IP and route, for the local server and as a per-
 * instance backstop in Lambda. In AWS, the HTTP API's stage and route throttling settings
 * (burst and rate limits, configured in CDK) are what protect the API: a Lambda instance sees
 * only a slice of the traffic, so its buckets are a second line, not the first.
 */
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { RateLimitedError } from './errors';

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

/**
 * Middleware: refuses a request with RateLimitedError (429) when its client has no token left for
 * its route (method and path).
 */
export function rateLimitPerClient(limiter: TokenBucketLimiter): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  const rateLimitBefore = async (request: middy.Request<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>): Promise<void> => {
    const { http } = request.event.requestContext;
    const retryAfter = limiter.take(`${http.sourceIp} ${http.method} ${http.path}`);
    if (retryAfter > 0) throw new RateLimitedError(retryAfter);
  };
  return { before: rateLimitBefore };
}
