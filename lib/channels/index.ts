/**
 * Delivery channel adapters: email (SES v2), SMS (End User Messaging, or the local outbox), direct mail (SQS).
 *
 * How the send function puts the pieces together, once the gate said `send` on `channel` and the
 * send-ledger entry is written:
 *
 * ```ts
 * // module level, once
 * const ses = new SESv2Client({ ...PROVIDER_CLIENT_CONFIG, region });
 * const email = new SesEmailSender(ses, { fromEmailAddress, configurationSetName });
 * const catalog = loadTemplateCatalog(templatesDir);
 *
 * // per message
 * const links = messageLinks({ customerId, channel: 'email', topic }, linkConfig, now);
 * const data = personalizationFor(snapshot, links, { senderPostalAddress });
 * const content = renderEmail(catalog.get(templateId), data);        // TemplateRenderError: nothing sent
 * const { providerMessageId } = await email.send({
 *   to: snapshot.profile.email, customerId, journey, step, topic, content, unsubscribeUrl: links.unsubscribeUrl,
 * });
 * ```
 *
 * SMS: `renderSms` → `EndUserMessagingSmsSender.send({ to: profile.phone, body, … })` (or `LocalSmsOutbox`
 * on the local stack); the receipt carries `segments`. Direct mail: `mailMergeFields` →
 * `SqsDirectMailSender.send({ …, printTemplate, mergeFields, address: profile.address, idempotencyKey })`.
 *
 * Failures: `MessageInvalidError` before the provider is called; after, exactly one of
 * `ProviderThrottledError` / `ProviderUnavailableError` (retry; see `RETRYABLE_PROVIDER_ERRORS`),
 * `ProviderRejectedError` (record failed, never retry) and its subclass `RecipientOptedOutError`
 * (the recipient opted out with the provider: record the revocation, decide again without the
 * channel), `ProviderUnknownOutcomeError` (record `unknown`, never resend).
 */
export * from './errors';
export * from './port';
export * from './email';
export * from './phone-number';
export * from './sms';
export * from './sms-segments';
export * from './sms-outbox';
export * from './mail';
