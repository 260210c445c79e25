// Validates emulator answers against the OpenAPI contract (contract/management.yaml, an extract of Okta's
// management.yaml): operation, declared status, and JSON body schema.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import type { ObservedResponse } from '../server';
import { OPENAPI_ALLOWLIST, type AllowedAnswer } from './openapi-allowlist';

export const CONTRACT_PATH = join(__dirname, '../../contract/management.yaml');

type Operation = { responses: Record<string, unknown> };
type Spec = { paths: Record<string, Record<string, Operation>> };
type Template = { template: string; regex: RegExp; literals: number };

let cached: { spec: Spec; ajv: Ajv; templates: Template[]; validators: Map<string, ValidateFunction> } | undefined;

/** Parses the extract once per process. */
function load(): NonNullable<typeof cached> {
  if (cached) return cached;
  const spec = parse(readFileSync(CONTRACT_PATH, 'utf8')) as Spec;
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema(spec as object, 'okta');
  const templates = Object.keys(spec.paths)
    .filter((p) => p.startsWith('/api/v1'))
    .map((template) => ({
      template,
      regex: new RegExp(
        `^${template
          .split('/')
          .map((s) => (s.startsWith('{') ? '[^/]+' : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
          .join('/')}$`,
      ),
      literals: template.split('/').filter((s) => s && !s.startsWith('{')).length,
    }))
    .sort((a, b) => b.literals - a.literals);
  cached = { spec, ajv, templates, validators: new Map() };
  return cached;
}

function pointerEscape(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Follows `$ref`s inside the document, returning the target and its JSON pointer. */
function deref(spec: Spec, value: unknown, pointer: string): { value: unknown; pointer: string } {
  let v = value;
  let p = pointer;
  while (v && typeof v === 'object' && '$ref' in v) {
    p = String((v as { $ref: string }).$ref).replace(/^#/, '');
    v = p
      .split('/')
      .slice(1)
      .reduce<unknown>((o, k) => (o as Record<string, unknown>)[k.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
  }
  return { value: v, pointer: p };
}

function allowed(
  r: ObservedResponse,
  template: string,
  kind: 'undeclared' | 'schema',
  errors: string,
): AllowedAnswer | undefined {
  const code = (r.body as { errorCode?: string } | undefined)?.errorCode;
  return OPENAPI_ALLOWLIST.find((a) => {
    if (a.status !== r.status || (a.method && a.method !== r.method)) return false;
    if (a.errorCode && a.errorCode !== code) return false;
    if (a.route && !(typeof a.route === 'string' ? a.route === template : a.route.test(template))) return false;
    if (kind === 'undeclared') return a.undeclaredStatus === true;
    return a.schemaDefect !== undefined && errors.split('\n').every((e) => a.schemaDefect?.test(e));
  });
}

/** Returns the problems with one answer, empty when it conforms (or is on the allow-list). */
export function validateResponse(r: ObservedResponse): string[] {
  const { spec, ajv, templates, validators } = load();
  const label = `${r.method} ${r.path} → ${r.status}`;
  const found = templates.find((t) => t.regex.test(r.path) && spec.paths[t.template]?.[r.method.toLowerCase()]);
  const errorShape = (): string[] => {
    const b = r.body as Record<string, unknown> | undefined;
    return b && typeof b.errorCode === 'string' && typeof b.errorSummary === 'string' && Array.isArray(b.errorCauses)
      ? []
      : [`${label}: not an Okta error envelope`];
  };
  if (!found) {
    return allowed(r, '(unknown)', 'undeclared', '')
      ? errorShape()
      : [`${label}: no operation in the OpenAPI contract`];
  }
  const op = spec.paths[found.template]?.[r.method.toLowerCase()] as Operation;
  const opPointer = `/paths/${pointerEscape(found.template)}/${r.method.toLowerCase()}`;
  const declared = op.responses[String(r.status)] ?? op.responses['default'];
  if (!declared) {
    return allowed(r, found.template, 'undeclared', '')
      ? errorShape()
      : [`${label}: status not declared for ${found.template}`];
  }
  const { value: response, pointer } = deref(spec, declared, `${opPointer}/responses/${r.status}`);
  const content = (response as { content?: Record<string, { schema?: unknown }> }).content;
  const json = content?.['application/json'];
  if (!json?.schema) {
    return r.body === undefined ? [] : [`${label}: the spec declares no body, the emulator sent one`];
  }
  if (r.body === undefined) return [`${label}: the spec declares a JSON body, the emulator sent none`];
  const schemaPointer = `${pointer}/content/application~1json/schema`;
  let validate = validators.get(schemaPointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `okta#${schemaPointer}` });
    validators.set(schemaPointer, validate);
  }
  if (validate(r.body)) return [];
  const errors = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`).join('\n');
  if (allowed(r, found.template, 'schema', errors)) return [];
  return [`${label}: body does not match ${found.template} ${r.status}:\n${errors}`];
}
