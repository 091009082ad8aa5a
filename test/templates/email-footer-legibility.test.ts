/**
 * The catalog's emails keep their footer legible: the unsubscribe and preference links and the
 * sender's postal address are what a reader must find, so they are set no smaller than 14px and
 * in a grey with at least 4.5:1 contrast on white (WCAG 2.1 1.4.3).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { contrastRatio } from '../support/contrast';

const TEMPLATES = path.join(__dirname, '..', '..', 'workflows', 'templates');

/** Every catalog email's HTML part, by template name. */
function htmlParts(): Array<[string, string]> {
  return readdirSync(TEMPLATES)
    .map((name) => [name, path.join(TEMPLATES, name, 'email.html.liquid')] as const)
    .filter(([, file]) => existsSync(file))
    .map(([name, file]) => [name, readFileSync(file, 'utf8')]);
}

describe('the catalog emails', () => {
  it('set no text, least of all the unsubscribe footer, below 14px', () => {
    // Act
    const tiny = htmlParts().flatMap(([name, html]) =>
      [...html.matchAll(/font-size:\s*(\d+)px/g)].filter((match) => Number(match[1]) < 14).map((match) => `${name}: ${match[0]}`),
    );
    // Assess
    expect(htmlParts().length).toBeGreaterThan(0);
    expect(tiny).toEqual([]);
  });

  it('set every text colour with at least 4.5:1 contrast on white', () => {
    // Act
    const faint = htmlParts().flatMap(([name, html]) =>
      [...html.matchAll(/(?<![-\w])color:\s*(#[0-9a-fA-F]{6})/g)].filter((match) => contrastRatio(match[1] ?? '#ffffff', '#ffffff') < 4.5).map((match) => `${name}: ${match[0]}`),
    );
    // Assess
    expect(faint).toEqual([]);
  });
});
