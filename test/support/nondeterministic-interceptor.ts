// Test-only: a "code change" that breaks determinism (an extra timer before the workflow body),
// bundled into the replay test to prove the replay guard fails on it.
import { sleep, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        await sleep('1s');
        return next(input);
      },
    },
  ],
});
