import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EPCIS_FIXTURES, epcisSchemaErrors } from '../support/epcis-schema';

// The checker itself: GS1's own example documents pass GS1's own schema, and a document that
// breaks it does not, so "0 schema errors" in the query tests means something.
const read = (file: string): unknown => JSON.parse(readFileSync(join(EPCIS_FIXTURES, 'examples', file), 'utf8'));
// At the vendored commit this example gives its AggregationEvent an "id", which the schema's
// property list does not allow: the example, not our checker, is off.
const NONCONFORMANT = 'PersistentDisposition-example.jsonld';

describe('the official EPCIS 2.0 JSON Schema under ajv', () => {
  const examples = readdirSync(join(EPCIS_FIXTURES, 'examples')).filter((f) => f.endsWith('.jsonld') && f !== NONCONFORMANT);

  it.each(examples)('accepts the official example %s', (file) => {
    expect(epcisSchemaErrors(read(file), { allowBlankNodeIds: true })).toEqual([]);
  });

  it('refuses the example whose event carries a property the schema does not list', () => {
    expect(epcisSchemaErrors(read(NONCONFORMANT), { allowBlankNodeIds: true })).toContainEqual(
      expect.stringContaining('"propertyName":"id"'),
    );
  });

  it('refuses a blank-node document id when checking our own answers', () => {
    expect(epcisSchemaErrors(read('Example_9.6.1-ObjectEvent.jsonld'))).toContainEqual(
      expect.stringContaining('/id must match format "uri"'),
    );
  });

  it('refuses a query document whose event lacks its action and has no date-time', () => {
    const doc = {
      '@context': ['https://ref.gs1.org/standards/epcis/epcis-context.jsonld'],
      type: 'EPCISQueryDocument',
      schemaVersion: '2.0',
      creationDate: '2026-12-06T00:00:00Z',
      epcisBody: {
        queryResults: {
          queryName: 'SimpleEventQuery',
          resultsBody: { eventList: [{ type: 'ObjectEvent', eventTime: 'yesterday', eventTimeZoneOffset: '+08:00', epcList: [] }] },
        },
      },
    };
    expect(epcisSchemaErrors(doc).length).toBeGreaterThan(0);
  });
});
