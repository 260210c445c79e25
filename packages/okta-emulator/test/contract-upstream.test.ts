// When the upstream document is at hand (OKTA_OPENAPI_SPEC=<management.yaml>; vitest.config.mts includes this file
// only then): the committed contract is exactly what scripts/extract-openapi.ts makes of it.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { extractOpenApi, REGENERATE } from '../scripts/extract-openapi';
import { CONTRACT_PATH } from '../src/testing/openapi';

/** The first line where the two texts differ, for a readable failure. */
function firstDifference(committed: string, extracted: string): string | undefined {
  const a = committed.split('\n');
  const b = extracted.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1}: committed ${JSON.stringify(a[i])}, extracted ${JSON.stringify(b[i])}`;
  }
  return undefined;
}

it('the committed contract equals, byte for byte, the extract made now from the upstream document', () => {
  const spec = process.env['OKTA_OPENAPI_SPEC'];
  if (!spec) throw new Error('set OKTA_OPENAPI_SPEC to the upstream management.yaml');
  const committed = readFileSync(CONTRACT_PATH, 'utf8');
  const extracted = extractOpenApi(readFileSync(resolve(spec), 'utf8'));
  expect(firstDifference(committed, extracted), `regenerate with: ${REGENERATE}`).toBeUndefined();
  expect(Buffer.from(committed).equals(Buffer.from(extracted))).toBe(true);
});
