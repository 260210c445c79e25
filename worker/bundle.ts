// The workflow code as a worker runs it. The SDK runs every cached run in one reusable V8 context per workflow
// thread; a module first required by a run is evaluated again for each run (its own copy of every function and
// constant), while a module loaded when the context is created is evaluated once and shared, deep-frozen, by all.
// The project's workflow modules keep no state at module scope (eslint.config.mjs refuses a top-level `let` or
// `var` in workflows/), so the whole of workflows/ is loaded that way: about 85 KB less per cached run, and a
// run's first workflow task no longer evaluates two dozen modules. Measured in docs/performance.md (Footprint).
import { extname, join } from 'node:path';
import { bundleWorkflowCode, type BundleOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../codec';

/** The workflows entry, `.ts` under tsx and vitest, `.js` once compiled. */
export const WORKFLOWS_PATH = join(__dirname, '..', 'workflows', `index${extname(__filename)}`);

/** What the bundler needs beyond the entry, for Worker.create's own bundling (`bundlerOptions`) too. */
export const WORKFLOW_BUNDLER_OPTIONS = { preloadModules: [WORKFLOWS_PATH] } satisfies Partial<BundleOptions>;

const silent = (): void => {};
const quiet = { log: silent, trace: silent, debug: silent, info: silent, warn: silent, error: silent };

/**
 * The workflow code bundled as production runs it (`npm run build` writes it to dist/workflow-bundle.js):
 * failure messages leave the sandbox through the codec's failure converter. `extra`: tests add interceptors.
 */
export function bundleWorkflows(extra: Partial<BundleOptions> = {}): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    ...WORKFLOW_BUNDLER_OPTIONS,
    logger: quiet,
    ...extra,
  });
}
