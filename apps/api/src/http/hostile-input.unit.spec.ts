import fc from 'fast-check';
import { jsonTextProblem, MAX_JSON_DEPTH, pollutingKey } from './hostile-input';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const withoutNul = (value: unknown): boolean => !JSON.stringify(value).includes('\\u0000');

describe('the JSON text check before parsing', () => {
  it(`accepts nesting up to ${MAX_JSON_DEPTH} levels and refuses one more`, () => {
    expect(jsonTextProblem(bytes(nested(MAX_JSON_DEPTH)))).toBeNull();
    expect(jsonTextProblem(bytes(nested(MAX_JSON_DEPTH + 1)))).toBe('TOO_DEEP');
    expect(jsonTextProblem(bytes(`{"a":${nested(MAX_JSON_DEPTH)}}`))).toBe('TOO_DEEP');
  });

  it('does not count brackets inside strings, escaped quotes and backslashes included', () => {
    const text = JSON.stringify({ text: `${'['.repeat(500)}"{{{`, more: ['a\\"[[[[', '\\\\', '{'.repeat(100)] });
    expect(jsonTextProblem(bytes(text))).toBeNull();
  });

  it('refuses the NUL character in a value or a key, but not the text "\\u0000"', () => {
    expect(jsonTextProblem(bytes(JSON.stringify({ name: 'a\u0000b' })))).toBe('NUL_CHARACTER');
    expect(jsonTextProblem(bytes(JSON.stringify({ ['k\u0000']: 1 })))).toBe('NUL_CHARACTER');
    expect(jsonTextProblem(bytes(JSON.stringify({ name: '\\u0000' })))).toBeNull();
  });

  it('passes any shallow JSON without NUL, and catches a NUL put into any of its strings', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }).filter(withoutNul), fc.string(), fc.string(), (value, before, after) => {
        expect(jsonTextProblem(bytes(JSON.stringify(value)))).toBeNull();
        expect(jsonTextProblem(bytes(JSON.stringify([value, `${before}\u0000${after}`])))).toBe('NUL_CHARACTER');
      }),
    );
  });
});

describe('the parsed-body check for prototype-polluting keys', () => {
  it('finds __proto__, constructor and prototype at any depth, as JSON.parse leaves them', () => {
    expect(pollutingKey(JSON.parse('{"a":1,"__proto__":{"x":1}}'))).toBe('__proto__');
    expect(pollutingKey(JSON.parse('{"a":[{"b":{"constructor":{"prototype":{}}}}]}'))).toBe('constructor');
    expect(pollutingKey(JSON.parse('[{"prototype":1}]'))).toBe('prototype');
  });

  it('passes ordinary bodies, including such words as values', () => {
    expect(pollutingKey(JSON.parse('{"narrative":"__proto__ constructor","list":["prototype"]}'))).toBeNull();
    expect(pollutingKey(null)).toBeNull();
  });
});
