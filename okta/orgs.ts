// OKTA_ORGS_FILE (docs/org2org.md): the workforce org and the linked orgs (Org2Org) a run offboards the person from
// too, read once at start-up. Each org has its URL, a credential from files (never inline: the orgs file is
// configuration, the secrets are mounted beside it), its own rate limits and share, and a linked org says how its
// user is found. Without the file, nothing here runs: the OKTA_* variables are the one org, as they always were.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { OKTA_BUCKETS, type LinkMethod, type OktaBucket } from '../workflows/definitions';
import type { OktaConfig } from './client';
import { checkSecret, isLoopbackHost } from './config';

export type OrgLimit = OktaBucket | 'cumulative';

export interface OrgEntry {
  name: string;
  okta: OktaConfig;
  /** Per-minute limits of the org's buckets over Okta's Workforce table (its rate-limit dashboard). */
  rateLimits?: Partial<Record<OrgLimit, number>>;
  /** Fraction of each bucket this deployment may use in this org. */
  share?: number;
  /** Activity slots per bucket per worker process for this org (Okta's concurrency limit is per org). */
  concurrency?: Partial<Record<OktaBucket, number>>;
}

export interface LinkedOrgEntry extends OrgEntry {
  link: LinkMethod;
}

export interface OrgsFile {
  /** Absent: the OKTA_* variables and OFFBOARD_OKTA_RATE_* settings describe the workforce org. */
  primary?: OrgEntry;
  linked: LinkedOrgEntry[];
}

/** Lower-case, short and safe in a task queue name: `<queue>-org-<name>-okta-<bucket>`. */
const NAME = /^[a-z][a-z0-9-]{0,29}$/;
const ATTRIBUTE = /^[A-Za-z][A-Za-z0-9_]{0,99}$/;
const positive = z.number().positive();
const bucketTable = <K extends string>(keys: readonly K[]) =>
  z
    .record(z.string(), positive)
    .superRefine((table, context) => {
      for (const key of Object.keys(table))
        if (!(keys as readonly string[]).includes(key))
          context.addIssue({ code: 'custom', message: `unknown Okta bucket "${key}" (known: ${keys.join(', ')})` });
    })
    .transform((table) => table as Partial<Record<K, number>>);

const orgSchema = z
  .object({
    name: z.string().regex(NAME, 'must be lower-case letters, digits and dashes, starting with a letter (at most 30)'),
    url: z.string(),
    apiTokenFile: z.string().min(1).optional(),
    clientId: z.string().min(1).optional(),
    privateKeyFile: z.string().min(1).optional(),
    keyId: z.string().min(1).optional(),
    scopes: z.union([z.string(), z.array(z.string())]).optional(),
    rateLimits: bucketTable([...OKTA_BUCKETS, 'cumulative'] as const).optional(),
    share: positive.max(1).optional(),
    concurrency: bucketTable(OKTA_BUCKETS).optional(),
  })
  .strict();

const linkSchema = z.discriminatedUnion('by', [
  z.object({ by: z.literal('idp'), idpId: z.string().min(1), scan: z.boolean().optional() }).strict(),
  z
    .object({
      by: z.literal('attribute'),
      attribute: z.string().regex(ATTRIBUTE, 'must be a profile attribute name such as workforceUserId'),
    })
    .strict(),
]);

const fileSchema = z
  .object({
    primary: orgSchema.optional(),
    linked: z.array(orgSchema.extend({ link: linkSchema }).strict()).min(1, 'lists no linked org'),
  })
  .strict()
  .superRefine((file, context) => {
    const names = [...(file.primary ? [file.primary.name] : []), ...file.linked.map((org) => org.name)];
    const twice = names.find((name, index) => names.indexOf(name) !== index);
    if (twice) context.addIssue({ code: 'custom', message: `the org name "${twice}" is used twice` });
  });

type OrgSettings = z.infer<typeof orgSchema>;

/** Reads and validates the file; every error names the file, the org and the setting. */
export function readOrgsFile(path: string, env: NodeJS.ProcessEnv = process.env): OrgsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`OKTA_ORGS_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: error,
    });
  }
  let raw: unknown;
  try {
    raw = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const format = /\.json$/i.test(path) ? 'JSON' : 'YAML';
    throw new Error(`OKTA_ORGS_FILE ${path} is not valid ${format}: ${String(error)}`, { cause: error });
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new Error(`OKTA_ORGS_FILE ${path}: ${issues.join('; ')}`);
  }
  const where = (name: string) => `OKTA_ORGS_FILE ${path}, org "${name}"`;
  const { primary, linked } = parsed.data;
  return {
    ...(primary ? { primary: orgEntry(primary, where(primary.name), env) } : {}),
    linked: linked.map(({ link, ...org }) => ({ ...orgEntry(org, where(org.name), env), link })),
  };
}

function orgEntry(settings: OrgSettings, where: string, env: NodeJS.ProcessEnv): OrgEntry {
  const { name, rateLimits, share, concurrency } = settings;
  return {
    name,
    okta: { orgUrl: orgUrl(settings.url, where, env), auth: credential(settings, where) },
    ...(rateLimits ? { rateLimits } : {}),
    ...(share !== undefined ? { share } : {}),
    ...(concurrency ? { concurrency } : {}),
  };
}

/** As OKTA_ORG_URL: https://, or http:// only on a loopback host or one named in OKTA_ORG_HTTP_HOSTS. */
function orgUrl(value: string, where: string, env: NodeJS.ProcessEnv): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${where}: url must be the org URL, e.g. https://acme.okta.com`);
  }
  const plainHosts = (env.OKTA_ORG_HTTP_HOSTS ?? '').split(/[\s,]+/).filter(Boolean);
  const plain = isLoopbackHost(url.hostname) || plainHosts.includes(url.hostname.toLowerCase());
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && plain))
    throw new Error(`${where}: url must be https:// (the credential travels in every request)`);
  return value.replace(/\/+$/, '');
}

function readSecretFile(file: string, setting: string): string {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${setting}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: error,
    });
  }
  const secret = content.replace(/\r?\n$/, '');
  if (!secret) throw new Error(`${setting}: ${file} is empty`);
  return secret;
}

/** An OAuth service app (clientId, privateKeyFile, keyId, scopes) or an SSWS token (apiTokenFile), as OKTA_* has them. */
function credential(settings: OrgSettings, where: string): OktaConfig['auth'] {
  const { apiTokenFile, clientId, privateKeyFile, keyId } = settings;
  if (clientId) {
    if (apiTokenFile) throw new Error(`${where}: give clientId with privateKeyFile, or apiTokenFile, not both`);
    if (!privateKeyFile) throw new Error(`${where}: clientId needs privateKeyFile`);
    const privateKey = checkSecret(
      `${where}: privateKeyFile`,
      readSecretFile(privateKeyFile, `${where}: privateKeyFile`),
    );
    const scopes = (Array.isArray(settings.scopes) ? settings.scopes : (settings.scopes ?? '').split(/[\s,]+/)).filter(
      Boolean,
    );
    if (scopes.length === 0) throw new Error(`${where}: clientId needs scopes (a list, or space- or comma-separated)`);
    return { kind: 'service-app', clientId, privateKey, ...(keyId ? { keyId } : {}), scopes };
  }
  if (privateKeyFile || keyId || settings.scopes)
    throw new Error(`${where}: privateKeyFile, keyId and scopes need clientId`);
  if (!apiTokenFile)
    throw new Error(`${where}: give apiTokenFile, or clientId with privateKeyFile for an OAuth service app`);
  const token = readSecretFile(apiTokenFile, `${where}: apiTokenFile`);
  const realOrg = new URL(settings.url).protocol === 'https:';
  return { kind: 'api-token', token: checkSecret(`${where}: apiTokenFile`, token, realOrg ? { minBytes: 32 } : {}) };
}
