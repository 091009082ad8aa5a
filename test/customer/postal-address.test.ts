/**
 * A postal address's text fields are trimmed and refused when blank, at the model, so every edge
 * that takes an address (ingest, the consent API, the store) refuses a blank one at its path.
 */
import { consentCaptureRequestSchema } from '../../lib/consent-api/requests';
import { PostalAddressSchema } from '../../lib/customer/model';
import { parseCustomerEvent } from '../../lib/ingest/customer-event';

const BLANK = { line1: '   ', line2: ' ', city: '\t', region: ' ', postalCode: '  ', country: 'US' };

describe('PostalAddressSchema', () => {
  it('refuses every blank text field, required or optional, naming each', () => {
    // Act
    const result = PostalAddressSchema.safeParse(BLANK);

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      'line1: must not be blank',
      'line2: must not be blank',
      'city: must not be blank',
      'region: must not be blank',
      'postalCode: must not be blank',
    ]);
  });

  it('trims the fields it keeps', () => {
    // Act
    const address = PostalAddressSchema.parse({ line1: ' 1 Main St ', city: 'Springfield\n', postalCode: ' 01101', country: 'US' });

    // Assess
    expect(address).toEqual({ line1: '1 Main St', city: 'Springfield', postalCode: '01101', country: 'US' });
  });

  it('is refused by ingest at the event\'s path', () => {
    // Act
    const parsed = parseCustomerEvent(
      {
        version: '0',
        id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
        'detail-type': 'profile_changed',
        source: 'crm.export',
        account: '111122223333',
        time: '2026-03-02T10:00:00Z',
        region: 'us-east-1',
        resources: [],
        detail: { customerId: 'c-001', profile: { address: { line1: ' ', city: ' ', postalCode: ' ', country: 'US' } } },
      },
      { now: new Date('2026-03-02T10:00:00Z') },
    );

    // Assess
    expect(parsed).toMatchObject({ valid: false });
    expect(JSON.stringify(parsed)).toContain('"path":["detail","profile","address","line1"]');
  });

  it('is refused by the consent API\'s capture request at its path', () => {
    // Act
    const result = consentCaptureRequestSchema([{ topic: 'marketing', label: 'Offers and news' }]).safeParse({
      customerId: 'c-001',
      timezone: 'America/New_York',
      address: { line1: ' ', city: 'Springfield', postalCode: '01101', country: 'US' },
      channels: ['mail'],
      topics: ['marketing'],
      proof: { source: 'web-form', consentTextVersion: 'v3' },
    });

    // Assess
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['address.line1']);
  });
});
