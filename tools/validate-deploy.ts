// CI check of the deployment files: docker-compose.yml against the Compose Specification's JSON
// schema (the one Docker Compose itself validates with, from the compose-go Go module, pinned), and
// the files it mounts. `node --import tsx scripts/validate-deploy.ts [schema.json]`
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

function run(): void {
  const schema = JSON.parse(readFileSync(composeSchemaPath(), 'utf8')) as object;
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { volumes?: Array<string | { source?: string }> }>;
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
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  console.log(
    `docker-compose.yml: valid against the Compose Specification (${COMPOSE_GO}), ${Object.keys(compose.services).length} services, mounted files present`,
  );
}

run();
