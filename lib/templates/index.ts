/** Message templates: the catalog convention, the personalization data model, rendering and validation. */
export * from './errors';
export * from './personalization';
export {
  compileTemplate,
  channelsOfTemplate,
  mergeFieldSource,
  MailTemplateSpecSchema,
  TemplateIdSchema,
  TEMPLATE_PARTS,
  type MessageTemplate,
  type MailTemplateSpec,
  type MergeFieldSource,
  type TemplatePart,
  type TemplateSources,
  type CompiledPart,
} from './template';
export * from './variables';
export * from './render';
export * from './catalog';
export * from './checked-catalog';
