/** What can be wrong with a message template; messages name the template and the part, never customer data. */

/** A template uses a variable the personalization data cannot supply. */
export class TemplateVariableError extends Error {
  readonly templateId: string;
  /** `email.subject`, `email.html`, `email.text`, `sms` or `mail.mergeFields`. */
  readonly part: string;
  /** The variable path as written, e.g. `customer.nickname`. */
  readonly variable: string;
  constructor(templateId: string, part: string, variable: string, why = 'which the profile does not provide') {
    super(`template "${templateId}" ${part} uses "${variable}", ${why}`);
    this.name = 'TemplateVariableError';
    this.templateId = templateId;
    this.part = part;
    this.variable = variable;
  }
}

/** A template file does not parse (syntax error, unknown filter, unknown tag). */
export class TemplateSyntaxError extends Error {
  readonly templateId: string;
  readonly part: string;
  constructor(templateId: string, part: string, options: { cause?: unknown } = {}) {
    const detail = options.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`template "${templateId}" ${part} does not parse${detail}`, options);
    this.name = 'TemplateSyntaxError';
    this.templateId = templateId;
    this.part = part;
  }
}

/** Rendering failed, typically because a variable is absent for this customer; nothing is sent. */
export class TemplateRenderError extends Error {
  readonly templateId: string;
  readonly part: string;
  constructor(templateId: string, part: string, reason: string, options: { cause?: unknown } = {}) {
    super(`template "${templateId}" ${part} cannot be rendered: ${reason}`, options);
    this.name = 'TemplateRenderError';
    this.templateId = templateId;
    this.part = part;
  }
}

/** The template does not exist, or has no files for the channel asked for. */
export class TemplateNotFoundError extends Error {
  readonly templateId: string;
  readonly channel?: string;
  constructor(templateId: string, channel?: string) {
    super(channel === undefined ? `no template "${templateId}"` : `template "${templateId}" has no ${channel} version`);
    this.name = 'TemplateNotFoundError';
    this.templateId = templateId;
    if (channel !== undefined) this.channel = channel;
  }
}

/** The template folder breaks the convention, or templates in it fail validation; lists every problem. */
export class TemplateCatalogError extends Error {
  readonly problems: readonly Error[];
  constructor(problems: readonly Error[]) {
    super(`template catalog has ${problems.length} problem(s):\n${problems.map((problem) => `- ${problem.message}`).join('\n')}`, {
      cause: problems[0],
    });
    this.name = 'TemplateCatalogError';
    this.problems = problems;
  }
}
