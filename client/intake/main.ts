// `npm run intake`: the HTTP intake process (HR webhooks, steering, the Okta event hook).
import { createOktaClient } from '../../okta/client';
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
