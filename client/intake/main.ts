// `npm run intake`: the HTTP intake process (HR webhooks, steering, the Okta event hook).
import { createOktaClient } from '../../okta/client';
import { isLoopbackHost } from '../../okta/config';
import { intakeConfigFromEnv } from '../config';
import { connectForSteering } from '../../runs/steering';
import { buildIntake } from './server';

async function run(): Promise<void> {
  const config = intakeConfigFromEnv();
  const temporal = connectForSteering(config.temporal);
  const app = await buildIntake({
    config,
    temporal,
    okta: createOktaClient(config.okta),
    logger: { level: config.logLevel },
  });
  if (config.oktaCredential === 'worker') {
    app.log.warn(
      'OKTA_INTAKE_API_TOKEN or OKTA_INTAKE_CLIENT_ID is not set: the intake uses the worker’s Okta credential (OKTA_*), ' +
        'which can change users; give it its own with okta.users.read only (docs/okta-setup.md)',
    );
  }
  if (!config.tls && !isLoopbackHost(config.host) && config.host !== '::1') {
    app.log.warn(
      `OFFBOARD_INTAKE_PLAIN_HTTP=1: plain HTTP on ${config.host}; TLS must end in a proxy in front of the intake (docs/cli-and-intake.md)`,
    );
  }
  if (config.acceptV1Signatures) {
    app.log.warn(
      'OFFBOARD_ACCEPT_V1_SIGNATURES=1: v1 signatures are accepted; move every HR system to v2 and unset it',
    );
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void app
        .close()
        .then(() => temporal.connection.close())
        .finally(() => process.exit(0));
    });
  }
  await app.listen({ port: config.port, host: config.host });
}

run().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
