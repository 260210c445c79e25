// The committed OpenAPI contract (contract/management.yaml) matches the emulator's router, so no route goes unvalidated.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { documentationKeys, references, REGENERATE, SOURCE, templateFor, type Json } from '../scripts/extract-openapi';
import { apiRoutes } from '../src/server';
import { CONTRACT_PATH } from '../src/testing/openapi';

type Operation = { operationId?: string; security?: Array<Record<string, string[]>> };
type Contract = {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, unknown>>;
};

const text = readFileSync(CONTRACT_PATH, 'utf8');
const contract = parse(text) as Contract;
const routes = apiRoutes();
const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

function operationFor(method: string, pattern: string): Operation | undefined {
  const template = templateFor(pattern, Object.keys(contract.paths));
  return template === undefined ? undefined : contract.paths[template]?.[method.toLowerCase()];
}

function resolves(ref: string): boolean {
  if (!ref.startsWith('#/')) return false;
  let node: unknown = contract;
  for (const part of ref.slice(2).split('/')) {
    if (!node || typeof node !== 'object') return false;
    node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node !== undefined;
}

describe('the OpenAPI contract extract', () => {
  it('names its source, tag, file, licence, the sha256 of the upstream file and the command that regenerates it', () => {
    const header = text.slice(0, text.indexOf('\nopenapi:'));
    expect(header.split('\n').every((line) => line.startsWith('#'))).toBe(true);
    expect(header).toContain(`# Source: ${SOURCE.repository}, tag ${SOURCE.tag}, file ${SOURCE.file}`);
    expect(header).toMatch(/^# Source sha256: [0-9a-f]{64}$/m);
    expect(header).toContain('Apache License 2.0');
    expect(header).toContain('Copyright Okta, Inc.');
    expect(header).toContain(REGENERATE);
  });

  it('has an operation for every route the emulator serves, requiring the OAuth scope the emulator enforces', () => {
    expect(routes.length).toBeGreaterThan(50);
    const missing = routes
      .filter((r) => operationFor(r.method, r.pattern) === undefined)
      .map((r) => `${r.method} ${r.pattern}`);
    expect(missing).toEqual([]);
    const otherScope = routes
      .filter((r) => !(operationFor(r.method, r.pattern)?.security ?? []).some((s) => s['oauth2']?.includes(r.scope)))
      .map((r) => `${r.method} ${r.pattern} (${r.scope})`);
    expect(otherScope).toEqual([]);
  });

  it('holds no operation the emulator does not serve', () => {
    const served = new Set(
      routes.map((r) => `${r.method.toLowerCase()} ${templateFor(r.pattern, Object.keys(contract.paths))}`),
    );
    const extra = Object.entries(contract.paths).flatMap(([template, item]) =>
      Object.keys(item)
        .filter((m) => METHODS.has(m) && !served.has(`${m} ${template}`))
        .map((m) => `${m.toUpperCase()} ${template}`),
    );
    expect(extra).toEqual([]);
  });

  it('resolves every $ref inside itself', () => {
    const refs = references(contract as unknown as Json);
    expect(refs.length).toBeGreaterThan(100);
    expect(refs.filter((ref) => !resolves(ref))).toEqual([]);
  });

  it('keeps no documentation-only keys (descriptions, summaries, examples, titles, tags, x- extensions)', () => {
    expect(documentationKeys({ paths: contract.paths, components: contract.components } as unknown as Json)).toEqual(
      [],
    );
  });
});
