// Starts one real Temporal dev server (the pinned CLI, with the project's search attributes)
// for the whole test run and hands its address to every test file.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { SEARCH_ATTRIBUTE_KEYS } from '../../workflows/definitions';
import { devServerArgs } from '../../tools/dev-server';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

let env: TestWorkflowEnvironment | undefined;

export async function setup(project: TestProject): Promise<void> {
  const { ensureTemporalCli } = await import('../../scripts/temporal-cli.mjs');
  const path = await ensureTemporalCli();
  env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path },
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      extraArgs: devServerArgs(),
      log: { format: 'pretty', level: 'error' },
    },
  });
  project.provide('temporalAddress', env.address);
}

export async function teardown(): Promise<void> {
  await env?.teardown();
}
