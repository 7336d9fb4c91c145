import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { translateEvent } from '../../apps/api/src/interop/epcis/capture/capture-translation';
import { EPCIS_FIXTURES, epcisSchemaErrors } from '../support/epcis-schema';

// The checker itself: GS1's own example documents pass GS1's own schema, and a document that
// breaks it does not, so "0 schema errors" in the query tests means something.
const read = (file: string): unknown => JSON.parse(readFileSync(join(EPCIS_FIXTURES, 'examples', file), 'utf8'));
// At the vendored commit this example gives its AggregationEvent an "id", which the schema's
// property list does not allow: the example, not our checker, is off.
const NONCONFORMANT = 'PersistentDisposition-example.jsonld';

const nothingKnown = { batchOfTraceCode: async () => null, dosesPerUnit: async () => null, shipmentOf: async () => null };

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

  it('refuses every event of GS1’s official examples with a clear reason: none uses identifiers of ours', async () => {
    const dir = join(EPCIS_FIXTURES, 'examples');
    for (const file of readdirSync(dir)) {
      const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { epcisBody: { eventList: unknown[] } };
      for (const event of doc.epcisBody.eventList) {
        const result = await translateEvent(event, '91320000MA1X0Y2W3E', nothingKnown);
        expect({ file, refused: 'refusal' in result && result.refusal.detail.length > 0 }).toEqual({ file, refused: true });
      }
    }
  });
});
