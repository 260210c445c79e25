// The figures docs/architecture.md section 10 asks of every results file (bench-results/, rehearsal-results/,
// chaos-results/): runs by outcome and the people who keep access.
export type RunCounts = {
  started: number;
  completed: number;
  cancelled: number;
  rehired: number;
  failed: number;
  needsAttention: number;
  stuck: number;
  lost: number;
};
export type Residual = { count: number; userIds: string[] };
