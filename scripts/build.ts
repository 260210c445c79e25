// `npm run build [-- <outDir>]`: the production build, as the image and the rehearsal run it: the
// product code (not the tests, the emulator or the dev scripts) compiled to dist/ (or outDir), and
// the workflow code prebundled into dist/workflow-bundle.js for the worker's OFFBOARD_WORKFLOW_BUNDLE.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

const root = join(__dirname, '..');
const dist = process.argv[2] ? resolve(process.argv[2]) : join(root, 'dist');

async function run(): Promise<void> {
  const started = Date.now();
  rmSync(dist, { recursive: true, force: true });
  const tsc = spawnSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', dist],
    { cwd: root, stdio: 'inherit' },
  );
  if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${tsc.status})`);
  const compiled = Date.now();
  // From the sources, as the tests bundle them, so the bundle never depends on where dist/ is.
  const { code } = await bundleWorkflowCode({
    workflowsPath: join(root, 'workflows', 'index.ts'),
    logger: quietLogger,
  });
  writeFileSync(join(dist, 'workflow-bundle.js'), code);
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
