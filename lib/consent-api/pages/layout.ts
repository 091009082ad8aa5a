/**
 * The frame of every page: language, viewport, one inline stylesheet allowed by its hash in the
 * Content-Security-Policy, and no script at all (everything works with plain forms).
 */
import { createHash } from 'node:crypto';
import { html, Html, type HtmlValue } from './html';

/**
 * The focus ring is a dark outline (about 17:1 on the white page; WCAG 1.4.11 asks 3:1) around a
 * yellow halo, which also sets it off the blue and red buttons.
 */
const STYLESHEET = `
:root { color-scheme: light; --ink: #1b1b1f; --muted: #4a4a55; --accent: #0b5cad; --danger: #a4161a; --line: #c9c9d1; }
* { box-sizing: border-box; }
body { margin: 0; font: 1.0625rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: #f6f6f8; }
main { max-width: 42rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; background: #fff; min-height: 100vh; }
h1 { font-size: 1.75rem; line-height: 1.2; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.5rem; }
p { margin: 0.5rem 0; }
a { color: var(--accent); }
fieldset { border: 1px solid var(--line); border-radius: 0.5rem; margin: 1.25rem 0; padding: 0.75rem 1rem 1rem; }
fieldset fieldset { border-style: dashed; margin: 0.75rem 0 0; }
legend { font-weight: 700; padding: 0 0.25rem; }
label { font-weight: 600; }
.hint { color: var(--muted); font-size: 0.95rem; }
.row { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; margin: 0.5rem 0; }
.row label { min-width: 9rem; }
.choice { display: flex; gap: 0.5rem; align-items: center; margin: 0.35rem 0; }
.choice label { font-weight: 400; }
input[type=checkbox] { width: 1.25rem; height: 1.25rem; }
select, input[type=time], input[type=number] { font: inherit; padding: 0.35rem 0.5rem; border: 1px solid var(--muted); border-radius: 0.35rem; min-width: 9rem; }
button { font: inherit; font-weight: 700; padding: 0.65rem 1.25rem; border: 0; border-radius: 0.4rem; background: var(--accent); color: #fff; cursor: pointer; }
button.danger { background: var(--danger); }
:focus-visible { outline: 3px solid var(--ink); outline-offset: 2px; box-shadow: 0 0 0 2px #ffbf47; }
.status { border-left: 6px solid #1e7b34; background: #eaf6ec; padding: 0.75rem 1rem; margin: 1rem 0; }
.problems { border: 3px solid var(--danger); padding: 0.75rem 1rem; margin: 1rem 0; }
.problems h2 { margin-top: 0; color: var(--danger); }
.error { color: var(--danger); font-weight: 700; margin: 0.25rem 0; }
[aria-invalid=true] { border: 2px solid var(--danger); }
.pending { color: var(--muted); font-style: italic; }
.withdraw { border-top: 1px solid var(--line); margin-top: 2rem; }
`;

/** The CSP source that allows exactly the stylesheet above. */
const STYLE_SOURCE = `'sha256-${createHash('sha256').update(STYLESHEET).digest('base64')}'`;

/**
 * The Content-Security-Policy of every page: nothing may load but the inline stylesheet (allowed
 * by its hash), forms post only to this origin, and no one may frame the page.
 */
export const PAGE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src ${STYLE_SOURCE}`,
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** A complete page. */
export function page(title: string, body: HtmlValue): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${new Html(STYLESHEET)}</style>
</head>
<body>
<main id="main">
${body}
</main>
</body>
</html>
`;
}
