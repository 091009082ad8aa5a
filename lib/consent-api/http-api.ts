/**
 * The consent API as one middy handler for API Gateway HTTP API (payload format 2.0), routed with
 * @middy/http-router. The routes only translate HTTP to the plain functions of this folder and
 * back; the same handler serves Lambda and, through ./node-adapter, the local server.
 *
 * | Route                        | Answer                                                      |
 * |------------------------------|-------------------------------------------------------------|
 * | `POST /consents`             | 202 JSON: consent captured at first contact                 |
 * | `GET /confirm?token=`        | 200 HTML: confirmation page with a button; writes nothing   |
 * | `POST /confirm?token=`       | 200 HTML: double opt-in confirmed                           |
 * | `GET /unsubscribe?token=`    | 200 HTML: confirmation page with a one-click button         |
 * | `POST /unsubscribe?token=`   | 200 HTML: RFC 8058 one-click unsubscribe, with the way back |
 * | `GET /preferences?token=`    | 200 HTML: the preference centre                             |
 * | `GET /p?token=`              | the same, on the short route of texts' and postcards' links |
 * | `POST /preferences?token=`   | 303 to the centre, saying what was saved and sent; 400 HTML naming the fields |
 * | `GET /consents/export?token=`| 200 JSON: the consent ledger with proofs                    |
 *
 * Failures: 400 naming the field for malformed input (`(root)` for a JSON body that does not
 * parse; a page says it in words, and a missing token is "Link not valid"); 400 for a tampered or
 * wrong-purpose token, 410 for an expired one, whose page says what became of the request by the
 * link's purpose (nothing is changed in either case); 415 for a body that is not of the route's media type; 429 with `Retry-After` past
 * the rate limit; 500 without details otherwise.
 */
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpEventNormalizer from '@middy/http-event-normalizer';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import httpRouterHandler, { type Method, type Route } from '@middy/http-router';
import httpSecurityHeaders from '@middy/http-security-headers';
import httpUrlencodeBodyParser from '@middy/http-urlencode-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { loggableError } from '../runtime/loggable-error';
import { TokenError, TokenExpiredError } from '../unsubscribe/errors';
import { confirmUrl, LINK_ROUTES, preferencesUrl, SHORT_PREFERENCES_ROUTE, TOKEN_QUERY_PARAMETER, unsubscribeUrl } from '../unsubscribe/links';
import { captureConsent } from './capture-consent';
import { exportConsents, forLinkHolder } from './consent-export';
import { CHANNEL_LABELS, DEFAULT_TOPIC_OFFERS, type ConsentApiDependencies } from './dependencies';
import { confirmConsent, openConfirmation } from './double-opt-in';
import { RateLimitedError, RequestValidationError } from './errors';
import { formFields } from './form-body';
import { preferencesTokenBeside, unsubscribeOneClick } from './one-click-unsubscribe';
import type { Html } from './pages/html';
import { PAGE_CONTENT_SECURITY_POLICY } from './pages/layout';
import { confirmSubscriptionPage, outcomePage, problemPage, unsubscribedPage, unsubscribePage } from './pages/message-pages';
import { preferencePage } from './pages/preference-page';
import { applyPreferenceForm, formValuesFromBody, openPreferenceCentre } from './preference-centre';
import { DEFAULT_RATE_LIMIT, rateLimitPerClient, routeKeys, signedWithdrawals, TokenBucketLimiter, type RateLimitSettings } from './rate-limit';
import { verifyLinkToken, type RequestOrigin } from './request-origin';
import { consentCaptureRequestSchema, OneClickBodySchema, parseRequest, PreferenceFormSchema, requestIssues, TokenQuerySchema } from './requests';

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;

/** Path of the consent export, below the base URL. */
export const EXPORT_ROUTE = 'consents/export';

/** Every route of the API, for the HTTP API definition in CDK (one source of truth). */
export const CONSENT_API_ROUTES: ReadonlyArray<{ readonly method: 'GET' | 'POST'; readonly path: string }> = [
  { method: 'POST', path: '/consents' },
  { method: 'GET', path: `/${LINK_ROUTES.confirm}` },
  { method: 'POST', path: `/${LINK_ROUTES.confirm}` },
  { method: 'GET', path: `/${LINK_ROUTES.unsubscribe}` },
  { method: 'POST', path: `/${LINK_ROUTES.unsubscribe}` },
  { method: 'GET', path: `/${LINK_ROUTES.preferences}` },
  { method: 'GET', path: `/${SHORT_PREFERENCES_ROUTE}` },
  { method: 'POST', path: `/${LINK_ROUTES.preferences}` },
  { method: 'GET', path: `/${EXPORT_ROUTE}` },
];

/** The rate limit's route of a request: `/p` is the preference centre's page, as `/preferences` is. */
const rateLimitRouteOf = routeKeys(CONSENT_API_ROUTES, { [`/${SHORT_PREFERENCES_ROUTE}`]: `/${LINK_ROUTES.preferences}` });

export interface ConsentApiOptions {
  /** Per-client, per-route token bucket; `false` turns it off. @default DEFAULT_RATE_LIMIT */
  readonly rateLimit?: RateLimitSettings | false;
  /** Receives unexpected errors (500s); log `loggableError(error)`, never the error whole. @default its loggableError on console.error */
  readonly logError?: (error: unknown) => void;
  /**
   * Answers 500 just before the Lambda's time runs out (middy's early timeout), timed with the
   * process's `setTimeout`; `false` turns it off, for a process whose timers run on a virtual
   * clock (the local stack's runs hours a second, so a page would time out in milliseconds).
   * @default true
   */
  readonly timeoutEarly?: boolean;
}

const NO_STORE = { 'Cache-Control': 'no-store' };

function htmlResponse(statusCode: number, body: Html, headers: Record<string, string> = {}): Result {
  return {
    statusCode,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': PAGE_CONTENT_SECURITY_POLICY, ...NO_STORE, ...headers },
    body: body.text,
  };
}

function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): Result {
  return { statusCode, headers: { 'Content-Type': 'application/json; charset=utf-8', ...NO_STORE, ...headers }, body: JSON.stringify(body) };
}

function originOf(event: Event): RequestOrigin {
  const userAgent = event.headers['user-agent'] ?? event.requestContext.http.userAgent;
  return { ip: event.requestContext.http.sourceIp, ...(userAgent ? { userAgent } : {}) };
}

function tokenOf(event: Event): string {
  return parseRequest(TokenQuerySchema, event.queryStringParameters ?? {}).token;
}

/** Answers JSON on the machine routes, HTML on the pages people open. */
function wantsJson(event: Event): boolean {
  return event.requestContext.http.path.startsWith('/consents');
}

/**
 * A middy http middleware typed for this API's event. Their typings widen the event to every HTTP
 * payload format and to the parsed body they leave behind; the routes validate what they read
 * with zod, so the narrower type is the honest one here.
 */
function forPayloadV2(middleware: object): middy.MiddlewareObj<Event, Result> {
  return middleware as middy.MiddlewareObj<Event, Result>;
}

/** middy turns its early timeout off for a margin of 0. */
const ROUTE_TIMEOUT_EARLY_OFF = { timeoutEarlyInMillis: 0 };

/** What @middy/http-json-body-parser says, with status 415, of a JSON body that does not parse (or is missing). */
const MALFORMED_JSON_MESSAGE = 'Invalid or malformed JSON was provided';

/**
 * @middy/http-json-body-parser, with a body sent as JSON that does not parse (cut off, empty)
 * answered as the malformed request it is: 400 with the JSON error shape, naming the body (as
 * `(root)`). The parser answers 415, which would send an integrator to check a Content-Type that
 * is right. A body of another media type still gets its 415.
 */
function jsonBodyParser(): middy.MiddlewareObj<Event, Result> {
  const parser = forPayloadV2(httpJsonBodyParser());
  const jsonBodyParserBefore = async (request: middy.Request<Event, Result>): Promise<void> => {
    try {
      await parser.before?.(request);
    } catch (error) {
      if (error instanceof Error && error.message === MALFORMED_JSON_MESSAGE) {
        throw new RequestValidationError([{ field: '(root)', message: 'is not valid JSON' }], { cause: error });
      }
      throw error;
    }
  };
  return { before: jsonBodyParserBefore };
}

/** The plain functions behind each route. */
function routes(deps: ConsentApiDependencies): Array<Route<Event, Result>> {
  const { baseUrl } = deps.links;
  const topicLabel = (topic: string): string => (deps.topics ?? DEFAULT_TOPIC_OFFERS).find((offer) => offer.topic === topic)?.label ?? topic;
  const exportUrl = (token: string): string => {
    const url = new URL(EXPORT_ROUTE, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    url.searchParams.set(TOKEN_QUERY_PARAMETER, token);
    return url.toString();
  };

  const captureRequestSchema = consentCaptureRequestSchema(deps.topics ?? DEFAULT_TOPIC_OFFERS);
  const capture = async (event: Event): Promise<Result> => {
    const request = parseRequest(captureRequestSchema, event.body);
    return jsonResponse(202, await captureConsent(deps, request, originOf(event)));
  };

  const nothingToConfirm = outcomePage({ title: 'Nothing to confirm', message: 'You withdrew this consent after asking for it, so nothing was changed.' });
  const sentToAnotherAddress = outcomePage({
    title: 'Nothing to confirm',
    message: 'This link was sent to an email address that is no longer the one on file, so nothing was changed.',
  });

  // The link only shows the button: mail scanners fetch every link, and must not confirm anything.
  const confirmation = async (event: Event): Promise<Result> => {
    const token = tokenOf(event);
    const offer = await openConfirmation(deps, token);
    return htmlResponse(
      200,
      offer.kind === 'ask'
        ? confirmSubscriptionPage({ actionUrl: confirmUrl(baseUrl, token), topicLabel: topicLabel(offer.topic) })
        : offer.kind === 'address_changed'
          ? sentToAnotherAddress
          : nothingToConfirm,
    );
  };

  const confirm = async (event: Event): Promise<Result> => {
    const token = tokenOf(event);
    const outcome = await confirmConsent(deps, token, originOf(event));
    return htmlResponse(
      200,
      outcome.kind === 'confirmed'
        ? outcomePage({ title: 'Subscription confirmed', message: `Thank you. You will receive ${topicLabel(outcome.topic)} by email.` })
        : outcome.kind === 'address_changed'
          ? sentToAnotherAddress
          : nothingToConfirm,
    );
  };

  const unsubscribeConfirmation = async (event: Event): Promise<Result> => {
    const token = tokenOf(event);
    const claims = verifyLinkToken(deps, token, 'unsubscribe');
    // Only the preference link the message itself carried, while it is valid: never a fresh one (preferencesTokenBeside).
    const preferencesToken = preferencesTokenBeside(deps, token);
    return htmlResponse(
      200,
      unsubscribePage({
        actionUrl: unsubscribeUrl(baseUrl, token),
        topicLabel: topicLabel(claims.topic),
        channelLabel: CHANNEL_LABELS[claims.channel].toLowerCase(),
        ...(preferencesToken === undefined ? {} : { preferencesUrl: preferencesUrl(baseUrl, preferencesToken) }),
      }),
    );
  };

  const oneClick = async (event: Event): Promise<Result> => {
    const token = tokenOf(event);
    parseRequest(OneClickBodySchema, formFields(event));
    const answer = await unsubscribeOneClick(deps, token, originOf(event));
    // The way back is the preference link the message itself carried, as on the page before (preferencesTokenBeside).
    const preferencesToken = preferencesTokenBeside(deps, token);
    return htmlResponse(
      200,
      unsubscribedPage({
        topicLabel: topicLabel(answer.topic),
        channel: answer.channel,
        channelLabel: CHANNEL_LABELS[answer.channel].toLowerCase(),
        ...(preferencesToken === undefined ? {} : { preferencesUrl: preferencesUrl(baseUrl, preferencesToken) }),
      }),
    );
  };

  const showPreferences = async (event: Event): Promise<Result> => {
    const query = parseRequest(TokenQuerySchema, event.queryStringParameters ?? {});
    const view = await openPreferenceCentre(deps, query.token);
    return htmlResponse(
      200,
      preferencePage({
        actionUrl: preferencesUrl(baseUrl, query.token),
        exportUrl: exportUrl(query.token),
        timezone: view.timezone,
        topics: view.topics,
        values: view.values,
        pending: view.pending,
        ...(query.saved === undefined ? {} : { status: query.saved === 'withdrawn' ? 'withdrawn' : 'saved' }),
        saved: { preferences: query.preferences, email: query.email, sms: query.sms },
      }),
    );
  };

  const savePreferences = async (event: Event): Promise<Result> => {
    const token = tokenOf(event);
    const fields = formFields(event);
    const parsed = PreferenceFormSchema.safeParse(fields);
    if (!parsed.success) {
      // Verifies the token first: a bad link gets the link error, not a form.
      const view = await openPreferenceCentre(deps, token);
      const problems = requestIssues(parsed.error);
      return htmlResponse(
        400,
        preferencePage({
          actionUrl: preferencesUrl(baseUrl, token),
          exportUrl: exportUrl(token),
          timezone: view.timezone,
          topics: view.topics,
          values: formValuesFromBody(fields),
          pending: view.pending,
          problems,
        }),
      );
    }
    const outcome = await applyPreferenceForm(deps, token, parsed.data, originOf(event));
    const location = new URL(preferencesUrl(baseUrl, token));
    if (outcome.kind === 'withdrawn') {
      location.searchParams.set('saved', 'withdrawn');
    } else {
      location.searchParams.set('saved', '1');
      if (outcome.preferences === 'kept_newer') location.searchParams.set('preferences', 'kept_newer');
      if (outcome.email !== undefined) location.searchParams.set('email', outcome.email);
      if (outcome.sms !== undefined) location.searchParams.set('sms', outcome.sms);
    }
    return { statusCode: 303, headers: { Location: location.toString(), ...NO_STORE }, body: '' };
  };

  const exportLedger = async (event: Event): Promise<Result> => {
    const token = tokenOf(event);
    const claims = verifyLinkToken(deps, token, 'preferences');
    const exported = forLinkHolder(await exportConsents(deps.store, claims.customerId, deps.now()));
    return jsonResponse(200, exported, { 'Content-Disposition': 'attachment; filename="consent-export.json"' });
  };

  // A route's own middy is there to parse its body. Its early timeout stays off: the API's handler
  // keeps middy's in AWS and turns it off on the local stack, whose timers run on the virtual clock,
  // where a route's own timer (on by default) would answer 500 after the route had written.
  const routeHandler = (handler: Route<Event, Result>['handler']) => middy<Event, Result>(handler, ROUTE_TIMEOUT_EARLY_OFF);
  const jsonBody = jsonBodyParser();
  const urlencoded = () => forPayloadV2(httpUrlencodeBodyParser({ disableContentTypeError: true }));
  const route = (method: Method, path: string, handler: Route<Event, Result>['handler']): Route<Event, Result> => ({ method, path, handler });
  return [
    route('POST', '/consents', routeHandler(capture).use(jsonBody)),
    route('GET', `/${LINK_ROUTES.confirm}`, confirmation),
    // The button posts an empty form; no field is read, and no media type is required.
    route('POST', `/${LINK_ROUTES.confirm}`, routeHandler(confirm).use(urlencoded())),
    route('GET', `/${LINK_ROUTES.unsubscribe}`, unsubscribeConfirmation),
    route('POST', `/${LINK_ROUTES.unsubscribe}`, routeHandler(oneClick).use(urlencoded())),
    route('GET', `/${LINK_ROUTES.preferences}`, showPreferences),
    route('GET', `/${SHORT_PREFERENCES_ROUTE}`, showPreferences),
    route('POST', `/${LINK_ROUTES.preferences}`, routeHandler(savePreferences).use(urlencoded())),
    route('GET', `/${EXPORT_ROUTE}`, exportLedger),
  ];
}

/**
 * Strips the path of the base URL (`https://example.com/overture` → `/overture`) from the request
 * path, so the routes match behind a custom-domain mapping or the local server alike.
 */
function stripBasePath(baseUrl: string): middy.MiddlewareObj<Event, Result> {
  const prefix = new URL(baseUrl).pathname.replace(/\/+$/, '');
  const stripBasePathBefore = async (request: middy.Request<Event, Result>): Promise<void> => {
    const { http } = request.event.requestContext;
    if (prefix !== '' && (http.path === prefix || http.path.startsWith(`${prefix}/`))) {
      http.path = http.path.slice(prefix.length) || '/';
    }
  };
  return { before: stripBasePathBefore };
}

const LINK_NOT_VALID = 'This link is not valid. Use the link exactly as it appears in a message from us.';

/**
 * What an expired link's page says, by what the link was for (its route): what became of the
 * request, and how to go on. A confirmation link may be the only message the person ever got
 * from us, so it cannot point to a more recent one; a preference link's successor comes with the
 * next message. (Unsubscribe links never expire.)
 */
function expiredLinkMessage(path: string): string {
  if (path === `/${LINK_ROUTES.confirm}`) {
    return 'This confirmation link has expired, so your subscription was not confirmed and nothing has changed. To receive these emails, sign up again, then open the link in the new confirmation email within 7 days.';
  }
  if (path === `/${LINK_ROUTES.preferences}` || path === `/${SHORT_PREFERENCES_ROUTE}`) {
    return 'This link to your preferences has expired, so nothing has changed. Our emails carry a new link to your preferences, and the unsubscribe link in any of our emails still works; to stop our texts, reply STOP to any of them.';
  }
  return 'This link has expired, so nothing has changed.';
}

/**
 * Turns the errors the routes raise on purpose into their HTTP answers; anything else goes on to
 * http-error-handler (500). The JSON answers name the field and the rule; the pages people open
 * say what happened in words, and a link without its token (cut off by a mail client) is a link
 * not valid, as a tampered one is.
 */
function consentApiErrors(): middy.MiddlewareObj<Event, Result> {
  const consentApiErrorsOnError = async (request: middy.Request<Event, Result>): Promise<void> => {
    const { error, event } = request;
    const json = wantsJson(event);
    if (error instanceof RequestValidationError) {
      request.response = json
        ? jsonResponse(400, { error: { code: 'invalid_request', field: error.field, message: error.message, issues: error.issues } })
        : error.issues.some((issue) => issue.field === TOKEN_QUERY_PARAMETER)
          ? htmlResponse(400, problemPage({ title: 'Link not valid', message: LINK_NOT_VALID }))
          : htmlResponse(
              400,
              problemPage({ title: 'Something is missing', message: 'This request could not be used, so nothing has changed. Open the page again from the link in a message from us, and try again.' }),
            );
    } else if (error instanceof TokenError) {
      const expired = error instanceof TokenExpiredError;
      const statusCode = expired ? 410 : 400;
      request.response = json
        ? jsonResponse(statusCode, {
            error: {
              code: expired ? 'expired_token' : 'invalid_token',
              field: 'token',
              message: expired ? 'This link has expired. Use the link in a more recent message from us.' : LINK_NOT_VALID,
            },
          })
        : htmlResponse(
            statusCode,
            problemPage({ title: expired ? 'Link expired' : 'Link not valid', message: expired ? expiredLinkMessage(event.requestContext.http.path) : LINK_NOT_VALID }),
          );
    } else if (error instanceof RateLimitedError) {
      const headers = { 'Retry-After': String(error.retryAfterSeconds) };
      const message = 'Too many requests. Please wait a moment and try again.';
      request.response = json
        ? jsonResponse(429, { error: { code: 'rate_limited', message } }, headers)
        : htmlResponse(429, problemPage({ title: 'Too many requests', message }), headers);
    }
  };
  return { onError: consentApiErrorsOnError };
}

function logLoggableError(error: unknown): void {
  console.error('consent api request failed', loggableError(error));
}

/** Passes on only what will become a 500: a 404 from a scanner or a 415 is not an operator's concern. */
function serverErrorsTo(logError: (error: unknown) => void): (error: unknown) => void {
  return (error) => {
    const statusCode = typeof error === 'object' && error !== null ? (error as { statusCode?: unknown }).statusCode : undefined;
    if (typeof statusCode === 'number' && statusCode < 500) return;
    logError(error);
  };
}

/** Builds the API's handler. Middlewares: `before` in the order listed, `after`/`onError` in reverse. */
export function createConsentApiHandler(deps: ConsentApiDependencies, options: ConsentApiOptions = {}) {
  const rateLimit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  // middy turns its early timeout off for a margin of 0.
  const handler = middy<Event, Result>(options.timeoutEarly === false ? { timeoutEarlyInMillis: 0 } : undefined)
    .use(forPayloadV2(httpHeaderNormalizer()))
    .use(forPayloadV2(httpEventNormalizer()))
    .use(
      forPayloadV2(httpSecurityHeaders({
        // The pages carry their own policy (see htmlResponse); the middleware's default forbids forms.
        contentSecurityPolicy: false,
        reportTo: false,
        xssProtection: false,
        crossOriginEmbedderPolicy: false,
        poweredBy: false,
      })),
    )
    .use(forPayloadV2(httpErrorHandler({ logger: serverErrorsTo(options.logError ?? logLoggableError), fallbackMessage: 'Internal Server Error' })))
    .use(consentApiErrors())
    .use(stripBasePath(deps.links.baseUrl));
  // A withdrawal through a link we signed (a one-click unsubscribe) is never refused: see signedWithdrawals.
  if (rateLimit !== false) handler.use(rateLimitPerClient(new TokenBucketLimiter(rateLimit, deps.now), rateLimitRouteOf, signedWithdrawals(deps)));
  return handler.handler(httpRouterHandler<Event, Result>(routes(deps)));
}
