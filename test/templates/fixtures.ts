import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TemplateCatalogError, type PersonalizationData } from '../../lib/templates';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

/** Sample data with every variable of the model set. */
export function sampleData(overrides: Partial<PersonalizationData['customer']> = {}): PersonalizationData {
  return {
    customer: {
      id: 'c-001',
      stage: 'prospect',
      firstName: 'Ana',
      attributes: { firstName: 'Ana', tier: 'gold', interests: ['running', 'cycling'], visits: 3, vip: true },
      ...overrides,
    },
    unsubscribeUrl: 'https://prefs.example.com/unsubscribe?token=a.b',
    preferencesUrl: 'https://prefs.example.com/preferences?token=c.d',
    senderPostalAddress: TEST_SENDER_POSTAL_ADDRESS,
  };
}

export const PLAIN_EMAIL = {
  'email.subject.liquid': 'Hello {{ customer.firstName }}',
  'email.html.liquid': '<p>Hello {{ customer.firstName }}</p><a href="{{ unsubscribeUrl }}">Unsubscribe</a>',
  'email.text.liquid': 'Hello {{ customer.firstName }}\n{{ unsubscribeUrl }}',
} as const;

/** Writes a template catalog folder: `{ templateId: { fileName: content } }`. */
export function catalogFolder(templates: Record<string, Record<string, string>>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'overture-templates-'));
  for (const [templateId, files] of Object.entries(templates)) {
    const folder = path.join(root, templateId);
    mkdirSync(folder, { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(folder, name), content);
  }
  return root;
}

/** The problems a catalog's load reports; throws when it loads. */
export function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof TemplateCatalogError) return error.problems.map((problem) => problem.message);
    throw error;
  }
  throw new Error('expected the catalog to fail loading');
}
