// Writes contract/management.yaml: the operations the emulator serves, cut from Okta's OpenAPI document with
// every component they reference and without documentation-only keys. Run: npx tsx scripts/extract-openapi.ts --spec <file>
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { apiRoutes } from '../src/server';
import type { ServedRoute } from '../src/routing';
import { CONTRACT_PATH } from '../src/testing/openapi';

/** Where the upstream document comes from; the extract's header names it. */
export const SOURCE = {
  repository: 'https://github.com/okta/okta-sdk-nodejs',
  tag: 'okta-sdk-nodejs-8.1.0',
  file: 'oas-spec/management.yaml',
  licence: 'Apache License 2.0 (https://www.apache.org/licenses/LICENSE-2.0)',
  copyright: 'Copyright Okta, Inc.',
};

export const REGENERATE =
  'npm run extract-openapi --workspace @okta-offboarding/okta-emulator -- --spec <upstream management.yaml>';

/** Keys that only feed Okta's rendered reference and SDK generators; `x-*` extensions go too. */
export const DOCUMENTATION_KEYS = new Set([
  'description',
  'summary',
  'example',
  'examples',
  'externalDocs',
  'title',
  'tags',
]);

/** Keys whose value maps names (properties, status codes, media types...) to objects: their own keys are never dropped. */
const NAME_MAPS = new Set([
  'paths',
  'properties',
  'patternProperties',
  'responses',
  'content',
  'headers',
  'encoding',
  'links',
  'callbacks',
  'schemas',
  'parameters',
  'requestBodies',
  'securitySchemes',
]);

/** Keys whose value is data (enum members, defaults), copied as it is. */
const VERBATIM = new Set(['enum', 'default', 'security', 'mapping', 'required']);

const COMPONENT_SECTIONS = ['parameters', 'requestBodies', 'responses', 'headers', 'schemas'] as const;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type OpenApi = {
  openapi: string;
  info: { title: string; version: string; license?: Json };
  paths: Record<string, Record<string, Json>>;
  components: Record<string, Record<string, Json>> & { securitySchemes?: Record<string, JsonObject> };
};

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `/api/v1/users/:userId` and `/api/v1/users/{id}` have the same shape: parameters are wildcards, literals must be equal. */
function pathShape(path: string): string {
  return path
    .split('/')
    .map((s) => (s.startsWith(':') || s.startsWith('{') ? '{}' : s))
    .join('/');
}

/** The document's path template for an emulator route pattern, or undefined when it has none (or several). */
export function templateFor(pattern: string, templates: Iterable<string>): string | undefined {
  const matching = [...templates].filter((t) => pathShape(t) === pathShape(pattern));
  return matching.length === 1 ? matching[0] : undefined;
}

function isDocumentationKey(key: string, inNameMap: boolean): boolean {
  return !inNameMap && (DOCUMENTATION_KEYS.has(key) || key.startsWith('x-'));
}

function keysAreNames(key: string, value: Json, inNameMap: boolean): boolean {
  return !inNameMap && NAME_MAPS.has(key) && isObject(value);
}

/** A copy without documentation-only keys; `inNameMap` says the keys of `node` are names, not keywords. */
function strip(node: Json, inNameMap = false): Json {
  if (Array.isArray(node)) return node.map((n) => strip(n));
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (isDocumentationKey(key, inNameMap)) continue;
    out[key] =
      !inNameMap && VERBATIM.has(key) ? structuredClone(value) : strip(value, keysAreNames(key, value, inNameMap));
  }
  return out;
}

/** JSON pointers of the documentation-only keys left in a document (none in an extract). */
export function documentationKeys(node: Json, pointer = '', inNameMap = false): string[] {
  if (Array.isArray(node)) return node.flatMap((n, i) => documentationKeys(n, `${pointer}/${i}`));
  if (!isObject(node)) return [];
  return Object.entries(node).flatMap(([key, value]) => {
    const at = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (isDocumentationKey(key, inNameMap)) return [at];
    return !inNameMap && VERBATIM.has(key) ? [] : documentationKeys(value, at, keysAreNames(key, value, inNameMap));
  });
}

/** The `$ref`s and discriminator mappings in a node. */
export function references(node: Json, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) references(n, found);
  else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else if (key === 'discriminator' && isObject(value) && isObject(value['mapping'])) {
        for (const target of Object.values(value['mapping'])) if (typeof target === 'string') found.push(target);
      } else references(value, found);
    }
  }
  return found;
}

function componentOf(ref: string): { section: string; name: string } {
  const m = /^#\/components\/([^/]+)\/([^/]+)$/.exec(ref);
  if (!m) throw new Error(`unsupported $ref ${ref}: only #/components/<section>/<name> is followed`);
  return { section: m[1] as string, name: (m[2] as string).replace(/~1/g, '/').replace(/~0/g, '~') };
}

function sortedEntries<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compare(a, b)));
}

/** The extract of `upstreamText` for `routes`, header included; the same input always gives the same bytes. */
export function extractOpenApi(upstreamText: string, routes: ServedRoute[] = apiRoutes()): string {
  const upstream = parse(upstreamText, { maxAliasCount: -1 }) as OpenApi;
  const paths = operationsFor(upstream, routes);
  const components = referencedComponents(upstream, paths);
  const document = {
    openapi: upstream.openapi,
    info: {
      title: upstream.info.title,
      version: upstream.info.version,
      ...(upstream.info.license ? { license: upstream.info.license } : {}),
    },
    paths: sortedEntries(paths),
    components: {
      ...Object.fromEntries(
        COMPONENT_SECTIONS.filter((s) => components[s]).map((s) => [s, sortedEntries(components[s] ?? {})]),
      ),
      securitySchemes: securitySchemesFor(upstream, paths),
    },
  };
  return header(upstreamText) + stringify(document, { aliasDuplicateObjects: false, lineWidth: 0, singleQuote: true });
}

/** The path items of the served operations, stripped, with their methods in the upstream order. */
function operationsFor(upstream: OpenApi, routes: ServedRoute[]): Record<string, JsonObject> {
  const paths: Record<string, JsonObject> = {};
  for (const route of routes) {
    const template = templateFor(route.pattern, Object.keys(upstream.paths));
    const method = route.method.toLowerCase();
    const operation = template === undefined ? undefined : upstream.paths[template]?.[method];
    if (template === undefined || operation === undefined)
      throw new Error(`${route.method} ${route.pattern}: no operation in the upstream document`);
    const item = (paths[template] ??= {});
    const pathParameters = upstream.paths[template]?.['parameters'];
    if (pathParameters !== undefined) item['parameters'] = strip(pathParameters);
    item[method] = strip(operation);
  }
  for (const [template, item] of Object.entries(paths)) {
    const order = Object.keys(upstream.paths[template] ?? {});
    paths[template] = Object.fromEntries(Object.entries(item).sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)));
  }
  return paths;
}

/** Every component the operations reference, transitively, stripped; by section. */
function referencedComponents(
  upstream: OpenApi,
  paths: Record<string, JsonObject>,
): Record<string, Record<string, Json>> {
  const components: Record<string, Record<string, Json>> = {};
  const queue = references(paths);
  const seen = new Set<string>();
  for (let ref = queue.shift(); ref !== undefined; ref = queue.shift()) {
    if (seen.has(ref)) continue;
    seen.add(ref);
    const { section, name } = componentOf(ref);
    if (!(COMPONENT_SECTIONS as readonly string[]).includes(section))
      throw new Error(`$ref into components/${section}, which the extract does not handle: ${ref}`);
    const target = upstream.components[section]?.[name];
    if (target === undefined) throw new Error(`unresolved $ref ${ref}`);
    const stripped = strip(target);
    (components[section] ??= {})[name] = stripped;
    queue.push(...references(stripped));
  }
  return components;
}

/** The security schemes the operations require, with the OAuth scopes they use. */
function securitySchemesFor(upstream: OpenApi, paths: Record<string, JsonObject>): Record<string, Json> {
  const scopesUsed = new Map<string, Set<string>>();
  for (const item of Object.values(paths)) {
    for (const operation of Object.values(item)) {
      const security = isObject(operation) && Array.isArray(operation['security']) ? operation['security'] : [];
      for (const requirement of security) {
        if (!isObject(requirement)) continue;
        for (const [scheme, scopes] of Object.entries(requirement)) {
          const used = scopesUsed.get(scheme) ?? new Set<string>();
          if (Array.isArray(scopes)) for (const scope of scopes) used.add(String(scope));
          scopesUsed.set(scheme, used);
        }
      }
    }
  }
  const schemes: Record<string, Json> = {};
  for (const [scheme, scopes] of [...scopesUsed].sort(([a], [b]) => compare(a, b))) {
    const definition = upstream.components.securitySchemes?.[scheme];
    if (!definition) throw new Error(`unknown security scheme ${scheme}`);
    schemes[scheme] = withScopes(strip(definition) as JsonObject, scopes);
  }
  return schemes;
}

/** OAuth flows keep only the scopes the extracted operations require; scope descriptions are prose, so they are empty. */
function withScopes(definition: JsonObject, used: Set<string>): JsonObject {
  const flows = definition['flows'];
  if (!isObject(flows)) return definition;
  const kept: JsonObject = {};
  for (const [name, flow] of Object.entries(flows)) {
    if (!isObject(flow)) continue;
    const scopes = Object.keys(isObject(flow['scopes']) ? flow['scopes'] : {})
      .filter((s) => used.has(s))
      .sort(compare);
    kept[name] = { ...flow, scopes: Object.fromEntries(scopes.map((s) => [s, ''])) };
  }
  return { ...definition, flows: kept };
}

function header(upstreamText: string): string {
  const sha256 = createHash('sha256').update(upstreamText).digest('hex');
  return [
    '# Okta\'s Management API, reduced to the operations the Okta emulator serves (see README.md, "The OpenAPI contract").',
    '# Generated by scripts/extract-openapi.ts: do not edit by hand. Regenerate with',
    `#   ${REGENERATE}`,
    `# Source: ${SOURCE.repository}, tag ${SOURCE.tag}, file ${SOURCE.file}`,
    `# Source sha256: ${sha256}`,
    `# Licence: ${SOURCE.licence}; ${SOURCE.copyright}`,
    '# Changed from the source: only the operations above and the components they reference are kept; descriptions,',
    '# summaries, examples, titles, tags, external docs, x- extensions and OAuth scope descriptions are removed.',
    '',
  ].join('\n');
}

function main(): void {
  const { values } = parseArgs({ options: { spec: { type: 'string' } } });
  const spec = values.spec ?? process.env['OKTA_OPENAPI_SPEC'];
  if (!spec) throw new Error('pass --spec <path to management.yaml> or set OKTA_OPENAPI_SPEC');
  // `npm run` changes into the package; a relative --spec means the caller's directory.
  const upstreamPath = resolve(process.env['INIT_CWD'] ?? process.cwd(), spec);
  const text = extractOpenApi(readFileSync(upstreamPath, 'utf8'));
  writeFileSync(CONTRACT_PATH, text);
  process.stdout.write(`wrote ${CONTRACT_PATH} (${Buffer.byteLength(text)} bytes) from ${upstreamPath}\n`);
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`extract-openapi: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
