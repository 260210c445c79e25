// CI check of the deployment files: docker-compose.yml against the Compose Specification's JSON
// schema (the one Docker Compose itself validates with, from the compose-go Go module, pinned), the
// files and volumes it mounts, and what keeps Temporal locked down: nothing but the intake published
// beyond 127.0.0.1, mutual TLS on every Temporal service and client, the UI read-only by default, the
// worker's Okta credential kept out of the intake; every secret a compose secret read through its `*_FILE`
// variable, never a plain environment value; payloads encrypted by every app and decoded by the codec server only.
// `node --import tsx tools/validate-deploy.ts [schema.json]`
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

const COMPOSE_GO = 'github.com/compose-spec/compose-go/v2@v2.16.2';
const root = join(__dirname, '..');

function composeSchemaPath(): string {
  const explicit = process.argv[2];
  if (explicit) return explicit;
  const go = existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
  const result = spawnSync(go, ['mod', 'download', '-json', COMPOSE_GO], { encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`go mod download ${COMPOSE_GO} failed: ${result.stderr || result.error?.message}`);
  return join((JSON.parse(result.stdout) as { Dir: string }).Dir, 'schema', 'compose-spec.json');
}

type Port = string | number | { host_ip?: string };
type Volume = string | { type?: string; source?: string; volume?: { subpath?: string } };
type SecretRef = string | { source: string; target?: string };
interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Port[];
  volumes?: Volume[];
  secrets?: SecretRef[];
}

/** Services whose ports may be published on every interface: the intake (behind the operator's TLS proxy). */
const PUBLIC_SERVICES = new Set(['intake']);
/** The worker's Okta credential, which can change users. */
const WORKER_OKTA = [
  'OKTA_API_TOKEN',
  'OKTA_API_TOKEN_FILE',
  'OKTA_CLIENT_ID',
  'OKTA_PRIVATE_KEY',
  'OKTA_PRIVATE_KEY_FILE',
  'OKTA_KEY_ID',
];
/** The compose secrets that hold the worker's Okta credential. */
const WORKER_OKTA_SECRETS = ['okta-api-token', 'okta-private-key'];
/**
 * Settings whose value is a secret: each only as `<NAME>_FILE=/run/secrets/<secret>`, never as a value in the
 * environment (which `docker inspect`, `/proc/<pid>/environ` and crash reports show). The app reads the `_FILE`
 * variants; the postgres image reads POSTGRES_PASSWORD_FILE itself, start-service.sh and setup-schema.sh read theirs.
 */
const SECRET_SETTINGS = [
  'POSTGRES_PASSWORD',
  'SQL_PASSWORD',
  'OFFBOARD_HMAC_SECRETS',
  'OKTA_EVENT_HOOK_SECRET',
  'OKTA_API_TOKEN',
  'OKTA_PRIVATE_KEY',
  'OKTA_INTAKE_API_TOKEN',
  'OKTA_INTAKE_PRIVATE_KEY',
  'OFFBOARD_CODEC_KEYS',
  'OFFBOARD_CODEC_SERVER_TOKEN',
  'OFFBOARD_ARCHIVE_DATABASE_URL',
  'TEMPORAL_API_KEY',
  'TEMPORAL_AUTH_CLIENT_SECRET',
];

function environmentOf(service: Service): Record<string, string> {
  const entries = Array.isArray(service.environment)
    ? service.environment.map((item) => [item.split('=')[0] ?? '', item.split('=').slice(1).join('=')])
    : Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value ?? '')]);
  return Object.fromEntries(entries) as Record<string, string>;
}

/**
 * A published port's host address, undefined for every interface: Compose's short syntax
 * `[ip:][published:]target` (a bare target is published too, on an ephemeral port), or the long one.
 */
function hostIp(port: Port): string | undefined {
  if (typeof port === 'object') return port.host_ip;
  const parts = String(port)
    .replace(/\$\{[^}]*\}/g, 'VAR')
    .split(':');
  return parts.length === 3 ? parts[0] : undefined;
}

const secretNames = (service: Service): string[] =>
  (service.secrets ?? []).map((secret) => (typeof secret === 'string' ? secret : secret.source));

/** Every secret setting a `_FILE` under /run/secrets/ of a secret the service mounts and compose declares. */
function secretProblems(services: Record<string, Service>, declared: Record<string, { file?: string }>): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(services)) {
    const env = environmentOf(service);
    const mounted = secretNames(service);
    for (const secret of mounted)
      if (!Object.hasOwn(declared, secret))
        problems.push(`service ${name} uses the secret ${secret}, which is not declared`);
    for (const [key, value] of Object.entries(env)) {
      if (SECRET_SETTINGS.includes(key))
        problems.push(
          `service ${name} receives the secret ${key} as plain environment: use ${key}_FILE and a compose secret`,
        );
      const interpolated = [...value.matchAll(/\$\{([A-Z0-9_]+)/g)].map((match) => match[1]!);
      for (const variable of interpolated)
        if (SECRET_SETTINGS.includes(variable))
          problems.push(
            `service ${name} sets ${key} from the .env secret ${variable}: secrets are files (deploy/secrets/)`,
          );
      const setting = key.endsWith('_FILE') ? key.slice(0, -'_FILE'.length) : undefined;
      if (setting && SECRET_SETTINGS.includes(setting)) {
        const secret = /^\/run\/secrets\/([A-Za-z0-9._-]+)$/.exec(value)?.[1];
        if (!secret)
          problems.push(`service ${name}: ${key} must name a compose secret (/run/secrets/<name>), not ${value}`);
        else if (!mounted.includes(secret))
          problems.push(`service ${name}: ${key} names the secret ${secret}, which the service does not mount`);
      }
    }
  }
  for (const [secret, definition] of Object.entries(declared))
    if (!definition.file) problems.push(`the secret ${secret} has no file`);
  return problems;
}

/** Every app container encrypts payloads; the codec server holds a token and no Temporal or Okta credential; the UI uses it. */
function codecProblems(services: Record<string, Service>): string[] {
  const problems: string[] = [];
  const codecServers = Object.entries(services).filter(([, service]) =>
    (Array.isArray(service.command) ? service.command : [service.command]).includes('codec-server'),
  );
  if (codecServers.length === 0) problems.push('no service runs the codec server (command codec-server)');
  for (const [name, service] of codecServers) {
    const env = environmentOf(service);
    if (!env.OFFBOARD_CODEC_SERVER_TOKEN_FILE)
      problems.push(`service ${name} (the codec server) has no OFFBOARD_CODEC_SERVER_TOKEN_FILE`);
    if (!env.OFFBOARD_CODEC_KEYS_FILE)
      problems.push(`service ${name} (the codec server) has no OFFBOARD_CODEC_KEYS_FILE`);
    for (const key of Object.keys(env))
      if (key.startsWith('TEMPORAL_') || key.startsWith('OKTA_'))
        problems.push(`service ${name} (the codec server) receives ${key}: it needs the codec keys and nothing else`);
    if (/^(1|\$\{[A-Z_]+:-1\})$/.test(env.OFFBOARD_CODEC_SERVER_INSECURE ?? ''))
      problems.push(`service ${name} (the codec server) defaults to OFFBOARD_CODEC_SERVER_INSECURE=1`);
  }
  for (const [name, service] of Object.entries(services)) {
    const env = environmentOf(service);
    if (service.build !== undefined && env.TEMPORAL_ADDRESS && !env.OFFBOARD_CODEC_KEYS_FILE)
      problems.push(
        `service ${name} connects to Temporal without OFFBOARD_CODEC_KEYS_FILE: its payloads would be plain`,
      );
    if (service.image?.startsWith('temporalio/ui:') && !env.TEMPORAL_CODEC_ENDPOINT)
      problems.push(`service ${name} (the UI) has no TEMPORAL_CODEC_ENDPOINT: it would show ciphertext only`);
  }
  return problems;
}

/** What keeps Temporal and the worker's credential out of reach, as this repository ships it. */
function lockdownProblems(services: Record<string, Service>, namedVolumes: Set<string>): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(services)) {
    const env = environmentOf(service);
    for (const port of service.ports ?? []) {
      const ip = hostIp(port);
      if (ip !== '127.0.0.1' && !PUBLIC_SERVICES.has(name))
        problems.push(`service ${name} publishes ${JSON.stringify(port)} beyond 127.0.0.1`);
    }
    for (const volume of service.volumes ?? []) {
      const source = typeof volume === 'string' ? volume.split(':')[0] : volume.source;
      const named = typeof volume === 'string' ? !/^[./~$]/.test(source ?? '') : volume.type === 'volume';
      if (named && source && !namedVolumes.has(source))
        problems.push(`service ${name} mounts the volume ${source}, which is not declared`);
    }
    if (service.image?.startsWith('temporalio/server:') && !env.TEMPORAL_SERVER_TLS_DIR)
      problems.push(`service ${name} runs the Temporal server without TEMPORAL_SERVER_TLS_DIR (mutual TLS)`);
    if (service.image?.startsWith('temporalio/ui:')) {
      if (!env.TEMPORAL_TLS_CERT) problems.push(`service ${name} (the UI) has no client certificate`);
      if (!/^(true|\$\{[A-Z_]+:-true\})$/.test(env.TEMPORAL_DISABLE_WRITE_ACTIONS ?? ''))
        problems.push(`service ${name} (the UI) must default TEMPORAL_DISABLE_WRITE_ACTIONS to true`);
    }
    if (service.build !== undefined && env.TEMPORAL_ADDRESS && !env.TEMPORAL_TLS_CLIENT_CERT_PATH)
      problems.push(`service ${name} connects to Temporal without a client certificate`);
    if (name === 'intake') {
      for (const key of WORKER_OKTA)
        if (key in env) problems.push(`the intake receives the worker's Okta credential ${key}`);
      for (const secret of secretNames(service))
        if (WORKER_OKTA_SECRETS.includes(secret)) problems.push(`the intake mounts the worker's Okta secret ${secret}`);
    }
  }
  return problems;
}

function run(): void {
  const schema = JSON.parse(readFileSync(composeSchemaPath(), 'utf8')) as object;
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
    volumes?: Record<string, unknown>;
    secrets?: Record<string, { file?: string }>;
  };
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  const problems: string[] = [];
  if (!validate(compose)) {
    for (const error of validate.errors ?? [])
      problems.push(`docker-compose.yml${error.instancePath}: ${error.message} ${JSON.stringify(error.params)}`);
  }
  for (const [name, service] of Object.entries(compose.services)) {
    for (const volume of service.volumes ?? []) {
      const source = typeof volume === 'string' ? volume.split(':')[0] : volume.source;
      if (source?.startsWith('./') && !existsSync(join(root, source)))
        problems.push(`service ${name} mounts ${source}, which does not exist`);
    }
  }
  problems.push(...lockdownProblems(compose.services, new Set(Object.keys(compose.volumes ?? {}))));
  problems.push(...secretProblems(compose.services, compose.secrets ?? {}));
  problems.push(...codecProblems(compose.services));
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  console.log(
    `docker-compose.yml: valid against the Compose Specification (${COMPOSE_GO}), ${Object.keys(compose.services).length} services, mounted files and volumes present; only the intake published beyond 127.0.0.1, mutual TLS on every Temporal service and client, the UI read-only by default, no worker Okta credential in the intake; ${Object.keys(compose.secrets ?? {}).length} secrets, each read from a compose secret file, none as plain environment; every app encrypts payloads, the UI decodes through the codec server`,
  );
}

run();
