/**
 * Form fields of a POST body. `application/x-www-form-urlencoded` is parsed by
 * @middy/http-urlencode-body-parser before the route runs; RFC 8058 also allows mail providers to
 * send the one-click body as `multipart/form-data`, which is parsed here (text fields only).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** Bodies larger than this are not parsed as multipart (a one-click body is a few hundred bytes). */
const MAX_MULTIPART_BYTES = 64 * 1024;

function multipartBoundary(contentType: string): string | undefined {
  if (!/^multipart\/form-data\s*;/i.test(contentType)) return undefined;
  const match = /boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/** The text fields of a multipart/form-data body; a field given twice keeps its first value. */
export function parseMultipartFields(body: string, boundary: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const part of body.split(`--${boundary}`)) {
    const separator = part.indexOf('\r\n\r\n');
    if (separator < 0) continue;
    const headers = part.slice(0, separator);
    const name = /content-disposition:\s*form-data;[^\r\n]*?\bname="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined || /\bfilename=/i.test(headers) || Object.hasOwn(fields, name)) continue;
    fields[name] = part.slice(separator + 4).replace(/\r\n$/, '');
  }
  return fields;
}

/**
 * The form fields of the request: the object the urlencoded parser made, the fields of a
 * multipart body, or an empty object for anything else (validation then names the missing field).
 */
export function formFields(event: APIGatewayProxyEventV2): Record<string, unknown> {
  const body: unknown = event.body;
  if (typeof body === 'object' && body !== null) return body as Record<string, unknown>;
  if (typeof body !== 'string') return {};
  const boundary = multipartBoundary(event.headers['content-type'] ?? '');
  if (boundary === undefined) return {};
  const text = event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  return text.length > MAX_MULTIPART_BYTES ? {} : parseMultipartFields(text, boundary);
}
