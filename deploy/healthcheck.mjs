// The image's HEALTHCHECK: the intake answers /healthz; a worker's Prometheus endpoint answers
// (the worker process exits when a Worker fails, so a live endpoint means live pollers).
/* global fetch, AbortSignal */
import { readFileSync } from 'node:fs';

let role = 'worker';
try {
  role = readFileSync('/tmp/offboarding-role', 'utf8').trim();
} catch {
  // Not started yet.
}
const port = (address, fallback) => (address ?? '').split(':').pop() || fallback;
const url =
  role === 'intake'
    ? `http://127.0.0.1:${process.env.OFFBOARD_INTAKE_PORT || '8080'}/healthz`
    : role === 'worker'
      ? `http://127.0.0.1:${port(process.env.OFFBOARD_METRICS_ADDRESS, '9464')}/metrics`
      : undefined;
if (!url) process.exit(0);
fetch(url, { signal: AbortSignal.timeout(4000) }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
