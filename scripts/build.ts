// `npm run build [-- <outDir>]`: the production build, as the image and the rehearsal run it: the
// product code (not the tests, the emulator or the dev scripts) compiled to dist/ (or outDir), and
// the workflow code prebundled into dist/workflow-bundle.js for the worker's OFFBOARD_WORKFLOW_BUNDLE.
// The entry points: dist/worker/main.js, dist/client/intake/main.js, dist/codec-server/main.js.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleWorkflows } from '../worker/bundle';

const root = join(__dirname, '..');
const dist = process.argv[2] ? resolve(process.argv[2]) : join(root, 'dist');
/** Entry-point folders that nothing in tsconfig.build.json's folders imports, so tsc would not reach them. */
const ENTRY_FOLDERS = ['codec-server'];
const ENTRY_POINTS = ['worker/main.js', 'client/intake/main.js', 'codec-server/main.js'];

/**
 * tsconfig.build.json with the entry folders added to its `include`: a config in a temporary folder that extends it
 * (its other settings, and `rootDir`, stay relative to the project as they are written there). The one-line way is
 * `codec-server` in tsconfig.build.json's `include`; this keeps the build whole either way.
 */
function buildConfig(): string {
  const base = join(root, 'tsconfig.build.json');
  const { include = [] } = JSON.parse(readFileSync(base, 'utf8')) as { include?: string[] };
  const folders = [...new Set([...include, ...ENTRY_FOLDERS])].map((folder) => join(root, folder));
  const config = join(mkdtempSync(join(tmpdir(), 'offboarding-build-')), 'tsconfig.json');
  // Type packages are looked up from the config's folder: point at the project's.
  const compilerOptions = { typeRoots: [join(root, 'node_modules', '@types')] };
  writeFileSync(config, JSON.stringify({ extends: base, include: folders, compilerOptions }));
  return config;
}

async function run(): Promise<void> {
  const started = Date.now();
  rmSync(dist, { recursive: true, force: true });
  const config = buildConfig();
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', config, '--outDir', dist], {
    cwd: root,
    stdio: 'inherit',
  });
  rmSync(join(config, '..'), { recursive: true, force: true });
  if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${tsc.status})`);
  const missing = ENTRY_POINTS.filter((entry) => !existsSync(join(dist, entry)));
  if (missing.length > 0) throw new Error(`the build has no ${missing.join(', ')}`);
  const compiled = Date.now();
  // From the sources, as the tests bundle them, so the bundle never depends on where dist/ is.
  // Failure messages and stack traces thrown by workflow code are encrypted too (codec/failure-converter.ts).
  const { code } = await bundleWorkflows({ logger: quietLogger });
  writeFileSync(join(dist, 'workflow-bundle.js'), code);
  // The shipped notification templates, read from beside the compiled activities (activities/notify-templates.ts).
  cpSync(join(root, 'notifications'), join(dist, 'notifications'), { recursive: true });
  process.stdout.write(
    `Built ${dist} in ${((compiled - started) / 1000).toFixed(1)}s and workflow-bundle.js (${Math.round(code.length / 1024)} KiB) in ${((Date.now() - compiled) / 1000).toFixed(1)}s.\n`,
  );
}

const ignore = (): void => {};
const quietLogger = {
  log: ignore,
  trace: ignore,
  debug: ignore,
  info: ignore,
  warn: (message: string) => process.stderr.write(`${message}\n`),
  error: (message: string) => process.stderr.write(`${message}\n`),
};

run().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
