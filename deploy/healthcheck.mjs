// The image's HEALTHCHECK: the intake and the codec server answer /healthz; a worker's Prometheus endpoint answers
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
    ? `${process.env.OFFBOARD_INTAKE_TLS_CERT_FILE ? 'https' : 'http'}://127.0.0.1:${process.env.OFFBOARD_INTAKE_PORT || '8080'}/healthz`
    : role === 'codec-server'
      ? `http://127.0.0.1:${process.env.OFFBOARD_CODEC_SERVER_PORT || '8888'}/healthz`
      : role === 'worker'
        ? `http://127.0.0.1:${port(process.env.OFFBOARD_METRICS_ADDRESS, '9464')}/metrics`
        : undefined;
if (!url) process.exit(0);
// The intake's certificate names the host HR systems call, not 127.0.0.1: this probe checks liveness, not identity.
if (url.startsWith('https:')) process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
fetch(url, { signal: AbortSignal.timeout(4000) }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
