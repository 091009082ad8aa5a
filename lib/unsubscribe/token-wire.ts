/**
 * The two wire formats of a link token. Both carry the same claims (see {@link WireClaims}) and
 * both are signed with HMAC-SHA256 over a context string and the token's text (not decoded bytes),
 * so any change to any character fails verification.
 *
 * - **Compact (version 2)**, signed since links went into texts and onto postcards:
 *   `2<purpose><channel>.<customerId>.<topic>.<iat>.<lifetime>[.<destination>].<signature>`, e.g.
 *   `2ps.c-00001.marketing.tdn3k0.98ww0.Yx3…` (about 50 characters). Purpose and channel are one
 *   letter each, times are base-36 seconds (`iat`, and `exp - iat`), and the signature is the first
 *   96 bits of the HMAC in base64url (16 characters). Every field is URL-safe and none can hold a
 *   `.`: customer ids and topics are letters, digits, `-` and `_`. The JSON format made a signed
 *   link ~230 characters long, which put every text with a link into a second billed segment and
 *   printed an untypeable address on postcards.
 * - **JSON (version 1)**, signed before: `<payload>.<signature>`, the payload base64url JSON
 *   `{"v":1,"sub":…,"ch":…,"tp":…,"pur":…,"iat":…,"exp":…,"dst"?:…}`, the full 256-bit signature.
 *   It is still verified, because unsubscribe links in messages already sent must keep working.
 *
 * Ninety-six bits are plenty for a MAC checked online: a forger must have the API verify about
 * 2^95 guesses to succeed once (the API answers abusive rates with 429), and NIST SP 800-107
 * allows truncating HMAC to 64 bits or more.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from '../schema/zod-mini';
import { ChannelSchema, CustomerIdSchema, TopicSchema, type Channel } from '../customer/model';
import { LinkConfigurationError, TokenInvalidError } from './errors';

/** What a link may do: revoke one topic on one channel, open the preference centre, or confirm a pending consent. */
export const TOKEN_PURPOSES = ['unsubscribe', 'preferences', 'confirm'] as const;
export const TokenPurposeSchema = z.enum(TOKEN_PURPOSES);

/** A signing secret from configuration: at least 32 bytes (a 256-bit key for HMAC-SHA256). */
export type TokenSecret = string | Uint8Array;

/** A destination digest: base64url, as {@link destinationDigest} in token.ts makes it. */
const DestinationSchema = z.string().check(z.regex(/^[A-Za-z0-9_-]+$/), z.maxLength(64));

/** The claims as both formats carry them, times in whole seconds since the epoch. */
const WireClaimsSchema = z.strictObject({
  sub: CustomerIdSchema,
  ch: ChannelSchema,
  tp: TopicSchema,
  pur: TokenPurposeSchema,
  iat: z.int().check(z.nonnegative()),
  exp: z.int().check(z.positive()),
  dst: z.optional(DestinationSchema),
});
/** A token's signed claims. */
export type WireClaims = z.infer<typeof WireClaimsSchema>;

const MIN_SECRET_BYTES = 32;

function secretBytes(secret: TokenSecret): Buffer {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new LinkConfigurationError(`the link-token secret must be at least ${MIN_SECRET_BYTES} bytes, got ${bytes.length}`);
  }
  return bytes;
}

function hmac(context: string, text: string, secret: TokenSecret): Buffer {
  return createHmac('sha256', secretBytes(secret)).update(context).update(text).digest();
}

function sameText(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The first of `secrets` whose key `matches` the token's signature. @throws TokenInvalidError when none does. */
function signerOf<S>(secrets: readonly S[], secretOf: (candidate: S) => TokenSecret, matches: (secret: TokenSecret) => boolean): S {
  const signer = secrets.find((candidate) => matches(secretOf(candidate)));
  if (signer === undefined) throw new TokenInvalidError('bad signature');
  return signer;
}

// --- compact (version 2) ---

const COMPACT_CONTEXT = 'overture-link-token.v2.';
const COMPACT_SIGNATURE_BYTES = 12;
const PURPOSE_LETTERS = { unsubscribe: 'u', preferences: 'p', confirm: 'c' } as const satisfies Record<WireClaims['pur'], string>;
const CHANNEL_LETTERS = { email: 'e', sms: 's', mail: 'm' } as const satisfies Record<Channel, string>;
/** A whole number in base 36 without leading zeros, as `Number.prototype.toString(36)` writes it. */
const BASE36 = /^(0|[1-9a-z][0-9a-z]{0,9})$/;
const COMPACT_SIGNATURE = /^[A-Za-z0-9_-]{16}$/;

function compactSignature(body: string, secret: TokenSecret): string {
  return hmac(COMPACT_CONTEXT, body, secret).subarray(0, COMPACT_SIGNATURE_BYTES).toString('base64url');
}

function letterKey<K extends string>(letters: Readonly<Record<K, string>>, letter: string | undefined): K | undefined {
  return (Object.keys(letters) as K[]).find((key) => letters[key] === letter);
}

/** Whether `token` is in the compact format (a JSON token's payload always starts with `eyJ`, i.e. `{"`). */
export function isCompactToken(token: string): boolean {
  return token.startsWith('2');
}

/** The compact token of `claims`, signed with `secret`. */
export function writeCompactToken(claims: WireClaims, secret: TokenSecret): string {
  const valid = WireClaimsSchema.parse(claims);
  const fields = [
    `2${PURPOSE_LETTERS[valid.pur]}${CHANNEL_LETTERS[valid.ch]}`,
    valid.sub,
    valid.tp,
    valid.iat.toString(36),
    (valid.exp - valid.iat).toString(36),
    ...(valid.dst === undefined ? [] : [valid.dst]),
  ];
  const body = fields.join('.');
  return `${body}.${compactSignature(body, secret)}`;
}

/** The claims of compact `token` and the secret of `secrets` that signed it. @throws TokenInvalidError */
export function readCompactToken<S>(token: string, secrets: readonly S[], secretOf: (candidate: S) => TokenSecret): { claims: WireClaims; signer: S } {
  const cut = token.lastIndexOf('.');
  const body = token.slice(0, cut);
  const signature = token.slice(cut + 1);
  if (cut < 0 || !COMPACT_SIGNATURE.test(signature)) throw new TokenInvalidError('not of the form <claims>.<signature>');
  // The signature first: nothing unauthenticated is parsed.
  const signer = signerOf(secrets, secretOf, (secret) => sameText(compactSignature(body, secret), signature));

  const [kind = '', sub, tp, iat = '', lifetime = '', dst, ...rest] = body.split('.');
  const pur = letterKey(PURPOSE_LETTERS, kind.charAt(1));
  const ch = letterKey(CHANNEL_LETTERS, kind.charAt(2));
  if (kind.length !== 3 || pur === undefined || ch === undefined || rest.length > 0 || !BASE36.test(iat) || !BASE36.test(lifetime)) {
    throw new TokenInvalidError('unexpected claims');
  }
  const issued = Number.parseInt(iat, 36);
  const parsed = WireClaimsSchema.safeParse({ sub, ch, tp, pur, iat: issued, exp: issued + Number.parseInt(lifetime, 36), ...(dst === undefined ? {} : { dst }) });
  if (!parsed.success) throw new TokenInvalidError('unexpected claims', { cause: parsed.error });
  return { claims: parsed.data, signer };
}

// --- JSON (version 1) ---

const JSON_CONTEXT = 'overture-link-token.v1.';
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** A JSON token's payload: the claims and the format's version. */
const JsonPayloadSchema = z.strictObject({ ...WireClaimsSchema.shape, v: z.literal(1) });

/** The claims of JSON `token` and the secret of `secrets` that signed it. @throws TokenInvalidError */
export function readJsonToken<S>(token: string, secrets: readonly S[], secretOf: (candidate: S) => TokenSecret): { claims: WireClaims; signer: S } {
  const parts = token.split('.');
  const [payload, signature] = parts;
  if (parts.length !== 2 || payload === undefined || signature === undefined) {
    throw new TokenInvalidError('not of the form <payload>.<signature>');
  }
  if (!BASE64URL.test(payload) || !BASE64URL.test(signature)) throw new TokenInvalidError('not base64url');
  const signer = signerOf(secrets, secretOf, (secret) => sameText(hmac(JSON_CONTEXT, payload, secret).toString('base64url'), signature));

  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch (error) {
    throw new TokenInvalidError('payload is not JSON', { cause: error });
  }
  const parsed = JsonPayloadSchema.safeParse(decoded);
  if (!parsed.success) throw new TokenInvalidError('unexpected claims', { cause: parsed.error });
  const { v: _version, ...claims } = parsed.data;
  return { claims, signer };
}
