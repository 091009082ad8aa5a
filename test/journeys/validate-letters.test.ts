/**
 * The preference-centre link of marketing letters: a letter's only way out, short of writing
 * back, so validation refuses a marketing mail step whose template does not require it.
 */
import { DEFAULT_TEMPLATES_DIR, validateJourney } from '../../lib/journeys/validate';
import { CATALOG } from '../../workflows';
import { demoJourney, exitNode, problemsWithTemplateFiles } from './fixtures/journeys';

/** A send node `hello` of the `postcard` fixture template (mail only) on `topic`. */
function letter(topic: string): Record<string, unknown> {
  return { type: 'send', id: 'hello', templateId: 'postcard', topic, channels: ['mail'], next: 'bye' };
}

/** The problems of `journey` with the fixture templates, `postcard/mail.json` replaced by `mailJson`. */
function problemsWithPostcard(journey: unknown, mailJson: string): readonly string[] {
  return problemsWithTemplateFiles(journey, { 'postcard/mail.json': mailJson });
}

describe('validateJourney: the preference link of marketing letters', () => {
  it('refuses a marketing letter whose mail.json does not require preferencesUrl, naming the step and the template', () => {
    // Prepare: a postcard that merges in the first name only
    const journey = demoJourney([letter('marketing'), exitNode('bye')]);

    // Act
    const problems = problemsWithPostcard(journey, '{ "printTemplate": "postcard-v1", "mergeFields": ["firstName"] }');

    // Assess
    expect(problems).toEqual([
      'journey "demo", node "hello" (send): template "postcard" is sent as a marketing letter (topic "marketing") but its mail.json does not require "preferencesUrl"; add "preferencesUrl" to its mergeFields, so every letter prints the link to the preference centre',
    ]);
  });

  it('refuses one that lists preferencesUrl as optional only, since a letter could then go out without it', () => {
    // Prepare
    const journey = demoJourney([letter('newsletter'), exitNode('bye')]);

    // Act
    const problems = problemsWithPostcard(journey, '{ "printTemplate": "postcard-v1", "mergeFields": [], "optionalMergeFields": ["preferencesUrl"] }');

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('template "postcard" is sent as a marketing letter (topic "newsletter")');
  });

  it('accepts a marketing letter whose mail.json requires preferencesUrl', () => {
    // Prepare
    const journey = demoJourney([letter('marketing'), exitNode('bye')]);

    // Act
    const problems = problemsWithPostcard(journey, '{ "printTemplate": "postcard-v1", "mergeFields": ["preferencesUrl"], "optionalMergeFields": ["firstName"] }');

    // Assess
    expect(problems).toEqual([]);
  });

  it.each(CATALOG.map((journey) => [journey.id, journey] as const))('accepts the catalog journey %s, letters included', (_id, journey) => {
    // Act
    const validate = () => validateJourney(journey, { templatesDir: DEFAULT_TEMPLATES_DIR });

    // Assess
    expect(validate).not.toThrow();
  });
});
