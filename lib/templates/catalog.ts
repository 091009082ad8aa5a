/**
 * The template catalog: `workflows/templates/<templateId>/`, one folder per template.
 *
 * A folder holds, per channel it supports:
 * - email: `email.subject.liquid`, `email.html.liquid`, `email.text.liquid` — all three or none;
 * - sms: `sms.liquid`;
 * - mail: `mail.json`, `{ "printTemplate": "...", "mergeFields": ["preferencesUrl"], "optionalMergeFields": ["firstName"] }`.
 * A template supports a channel iff its files exist. Other files named after a channel or ending in
 * `.liquid` or `.json` are refused (a misspelt file name would otherwise silently drop a channel);
 * other files (a README) are ignored.
 * Folders whose names start with `.` or `_` are not templates.
 *
 * Reading parses every part. The static variable check is loadTemplateCatalog's
 * (checked-catalog.ts), run at synth and by the local stack, so a broken template stops the
 * deployment or the local stack at start-up, not a customer's message. The send function reads
 * the catalog that synth checked with readTemplateCatalog, which leaves the check, and liquid's
 * analysis with it, out of the send bundle.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Channel } from '../customer/model';
import { TemplateCatalogError, TemplateNotFoundError } from './errors';
import {
  channelsOfTemplate,
  compileTemplate,
  MailTemplateSpecSchema,
  TemplateIdSchema,
  type MessageTemplate,
  type TemplateSources,
} from './template';

/** The files of the convention, by role. */
export const TEMPLATE_FILES = {
  emailSubject: 'email.subject.liquid',
  emailHtml: 'email.html.liquid',
  emailText: 'email.text.liquid',
  sms: 'sms.liquid',
  mail: 'mail.json',
} as const;

const EMAIL_FILES = [TEMPLATE_FILES.emailSubject, TEMPLATE_FILES.emailHtml, TEMPLATE_FILES.emailText] as const;
const KNOWN_FILES: ReadonlySet<string> = new Set(Object.values(TEMPLATE_FILES));
/** A file meant as part of a template: named after a channel, or a liquid or JSON file. */
const LOOKS_LIKE_TEMPLATE_FILE = /^(email|sms|mail)\.|\.(liquid|json)$/;

/** The loaded templates. */
export interface TemplateCatalog {
  /** Template ids, sorted. */
  ids(): string[];
  /** Whether template `templateId` exists and supports `channel`. */
  has(templateId: string, channel: Channel): boolean;
  /** The channels template `templateId` supports (email, sms, mail order); empty if it does not exist. */
  channelsOf(templateId: string): Channel[];
  /** The template. @throws TemplateNotFoundError */
  get(templateId: string): MessageTemplate;
}

/** Builds a catalog from templates already compiled (inline templates of a scenario, tests). */
export function templateCatalogOf(templates: Iterable<MessageTemplate>): TemplateCatalog {
  const byId = new Map<string, MessageTemplate>();
  for (const template of templates) byId.set(template.id, template);
  const get = (templateId: string): MessageTemplate => {
    const template = byId.get(templateId);
    if (template === undefined) throw new TemplateNotFoundError(templateId);
    return template;
  };
  return {
    ids: () => [...byId.keys()].sort(),
    has: (templateId, channel) => {
      const template = byId.get(templateId);
      return template !== undefined && channelsOfTemplate(template).includes(channel);
    },
    channelsOf: (templateId) => {
      const template = byId.get(templateId);
      return template === undefined ? [] : channelsOfTemplate(template);
    },
    get,
  };
}

function readSources(folder: string, templateId: string): TemplateSources {
  const files = new Set(
    readdirSync(folder, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name),
  );
  const strays = [...files].filter((name) => LOOKS_LIKE_TEMPLATE_FILE.test(name) && !KNOWN_FILES.has(name));
  if (strays.length > 0) {
    throw new Error(
      `template "${templateId}" has unknown file(s) ${strays.join(', ')}; expected ${[...KNOWN_FILES].join(', ')}`,
    );
  }
  const read = (name: string): string => readFileSync(path.join(folder, name), 'utf8');
  const presentEmailFiles = EMAIL_FILES.filter((name) => files.has(name));
  if (presentEmailFiles.length > 0 && presentEmailFiles.length < EMAIL_FILES.length) {
    const missing = EMAIL_FILES.filter((name) => !files.has(name));
    throw new Error(`template "${templateId}" has ${presentEmailFiles.join(', ')} but not ${missing.join(', ')}: email needs all three`);
  }
  let mail: TemplateSources['mail'];
  if (files.has(TEMPLATE_FILES.mail)) {
    let json: unknown;
    try {
      json = JSON.parse(read(TEMPLATE_FILES.mail));
    } catch (error) {
      throw new Error(`template "${templateId}" ${TEMPLATE_FILES.mail} is not JSON`, { cause: error });
    }
    const parsed = MailTemplateSpecSchema.safeParse(json);
    if (!parsed.success) {
      const where = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
      throw new Error(`template "${templateId}" ${TEMPLATE_FILES.mail} is invalid: ${where.join('; ')}`, { cause: parsed.error });
    }
    mail = parsed.data;
  }
  return {
    ...(presentEmailFiles.length === 0
      ? {}
      : {
          email: {
            subject: read(TEMPLATE_FILES.emailSubject),
            html: read(TEMPLATE_FILES.emailHtml),
            text: read(TEMPLATE_FILES.emailText),
          },
        }),
    ...(files.has(TEMPLATE_FILES.sms) ? { sms: read(TEMPLATE_FILES.sms) } : {}),
    ...(mail === undefined ? {} : { mail }),
  };
}

/** The problems of one compiled template that a caller checks beyond the convention (see loadTemplateCatalog). */
export type TemplateCheck = (template: MessageTemplate) => readonly Error[];

/**
 * Reads every template under `dir` (normally `workflows/templates`), synchronously — once, at
 * start-up or Lambda cold start — and runs `check` on each.
 *
 * @throws TemplateCatalogError listing every problem: convention breaches, syntax errors, and
 *   what `check` finds.
 */
export function readTemplateCatalog(dir: string, check: TemplateCheck = () => []): TemplateCatalog {
  if (!existsSync(dir)) throw new TemplateCatalogError([new Error(`template folder "${dir}" does not exist`)]);
  const problems: Error[] = [];
  const templates: MessageTemplate[] = [];
  const folders = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && !entry.name.startsWith('_'))
    .map((entry) => entry.name)
    .sort();
  for (const templateId of folders) {
    if (!TemplateIdSchema.safeParse(templateId).success) {
      problems.push(new Error(`template folder "${templateId}" is not a valid template id (lower-case letters, digits, "-")`));
      continue;
    }
    try {
      const template = compileTemplate(templateId, readSources(path.join(dir, templateId), templateId));
      if (channelsOfTemplate(template).length === 0) {
        problems.push(new Error(`template "${templateId}" has no channel files`));
        continue;
      }
      problems.push(...check(template));
      templates.push(template);
    } catch (error) {
      problems.push(error instanceof Error ? error : new Error(String(error)));
    }
  }
  if (problems.length > 0) throw new TemplateCatalogError(problems);
  return templateCatalogOf(templates);
}
