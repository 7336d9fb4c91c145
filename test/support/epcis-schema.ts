import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats';

/**
 * GS1's official EPCIS 2.0 JSON Schema (test/fixtures/epcis, vendored with its licence and
 * source commit), compiled with ajv + ajv-formats: every EPCIS document the node answers is
 * checked against it.
 */
export const EPCIS_FIXTURES = join(__dirname, '../fixtures/epcis');

const compiled = new Map<boolean, ValidateFunction>();

const validatorFor = (allowBlankNodeIds: boolean): ValidateFunction => {
  let validate = compiled.get(allowBlankNodeIds);
  if (!validate) {
    const schema = JSON.parse(readFileSync(join(EPCIS_FIXTURES, 'EPCIS-JSON-Schema.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    if (allowBlankNodeIds) {
      // GS1's examples name their documents `_:document1`, a JSON-LD blank node, which the
      // schema's "uri" format refuses; only the examples' check accepts it.
      const uri = fullFormats.uri as (s: string) => boolean;
      ajv.addFormat('uri', (s: string) => s.startsWith('_:') || uri(s));
    }
    validate = ajv.compile(schema);
    compiled.set(allowBlankNodeIds, validate);
  }
  return validate;
};

/** The schema's complaints about a document (empty when it validates). */
export const epcisSchemaErrors = (document: unknown, options: { allowBlankNodeIds?: boolean } = {}): string[] => {
  const validate = validatorFor(options.allowBlankNodeIds ?? false);
  return validate(document)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
};
