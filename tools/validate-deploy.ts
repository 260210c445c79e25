// CI check of the deployment files: docker-compose.yml against the Compose Specification's JSON
// schema (the one Docker Compose itself validates with, from the compose-go Go module, pinned), the
// files and volumes it mounts, and what keeps Temporal locked down: nothing but the intake published
// beyond 127.0.0.1, mutual TLS on every Temporal service and client, the UI read-only by default, the
// worker's Okta credential kept out of the intake. `node --import tsx tools/validate-deploy.ts [schema.json]`
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
interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Port[];
  volumes?: Volume[];
}

/** Services whose ports may be published on every interface: the intake (behind the operator's TLS proxy). */
const PUBLIC_SERVICES = new Set(['intake']);
/** The worker's Okta credential, which can change users. */
const WORKER_OKTA = ['OKTA_API_TOKEN', 'OKTA_CLIENT_ID', 'OKTA_PRIVATE_KEY', 'OKTA_PRIVATE_KEY_FILE', 'OKTA_KEY_ID'];

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
    if (name === 'intake')
      for (const key of WORKER_OKTA)
        if (key in env) problems.push(`the intake receives the worker's Okta credential ${key}`);
  }
  return problems;
}

function run(): void {
  const schema = JSON.parse(readFileSync(composeSchemaPath(), 'utf8')) as object;
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
    volumes?: Record<string, unknown>;
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
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  console.log(
    `docker-compose.yml: valid against the Compose Specification (${COMPOSE_GO}), ${Object.keys(compose.services).length} services, mounted files and volumes present; only the intake published beyond 127.0.0.1, mutual TLS on every Temporal service and client, the UI read-only by default, no worker Okta credential in the intake`,
  );
}

run();
