// `npm run codec-server`: the codec server for the Temporal UI and the `temporal` CLI (docs/deployment.md).
import { codecServerConfigFromEnv } from './config';
import { buildCodecServer } from './server';

async function run(): Promise<void> {
  const config = codecServerConfigFromEnv();
  const app = await buildCodecServer({
    keys: config.keys,
    allowedOrigins: config.allowedOrigins,
    ...(config.token === undefined ? {} : { token: config.token }),
    logger: { level: config.logLevel },
  });
  if (config.token === undefined)
    app.log.warn(
      'OFFBOARD_CODEC_SERVER_INSECURE=1: no token is checked; whoever reaches this address decodes every run ' +
        '(loopback only, or behind an SSO proxy that checks who calls)',
    );
  if (config.allowedOrigins.length === 0)
    app.log.warn('OFFBOARD_CODEC_CORS_ORIGINS is empty: the Temporal UI in a browser is refused, the CLI is not');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void app.close().finally(() => process.exit(0));
    });
  }
  await app.listen({ port: config.port, host: config.host });
  app.log.info(
    { keys: config.keys.keys.size, current: config.keys.current, origins: config.allowedOrigins },
    `Codec server listening on http://${config.host}:${config.port}`,
  );
}

run().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
