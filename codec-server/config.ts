// Configuration of the codec server, read once at start-up. Its token comes from the variable or from the file its
// `_FILE` variant names (compose `secrets:` mount them under /run/secrets), never both, and goes through the checks
// every secret does (okta/config.ts: no placeholder, at least 32 bytes, the value never in a message).
import { z } from 'zod';
import { loadCodecKeys, type CodecKeys } from '../codec';
import { checkSecret, MIN_SECRET_BYTES, secretFromEnv } from '../okta/config';

export interface CodecServerConfig {
  port: number;
  host: string;
  keys: CodecKeys;
  /** Browser origins allowed by CORS: the Temporal UI's, as the browser sees it (http://localhost:8233). */
  allowedOrigins: string[];
  /** The bearer token every /encode and /decode must carry; undefined only with OFFBOARD_CODEC_SERVER_INSECURE=1. */
  token?: string;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
}

/** `OFFBOARD_CODEC_CORS_ORIGINS`: comma-separated origins (scheme, host and port, no path); `*` is refused. */
export function parseOrigins(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      let url: URL;
      try {
        url = new URL(entry);
      } catch {
        throw new Error(
          `OFFBOARD_CODEC_CORS_ORIGINS: ${JSON.stringify(entry)} is not an origin such as http://localhost:8233`,
        );
      }
      if (!/^https?:$/.test(url.protocol) || url.origin !== entry.replace(/\/$/, ''))
        throw new Error(
          `OFFBOARD_CODEC_CORS_ORIGINS: ${JSON.stringify(entry)} is not an origin such as http://localhost:8233`,
        );
      return url.origin;
    });
}

export function codecServerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CodecServerConfig {
  const parsed = z
    .object({
      OFFBOARD_CODEC_SERVER_PORT: z.coerce.number().int().min(0).max(65_535).default(8888),
      OFFBOARD_CODEC_SERVER_HOST: z.string().default('127.0.0.1'),
      OFFBOARD_CODEC_SERVER_INSECURE: z.enum(['', '0', '1']).default(''),
      OFFBOARD_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    })
    .safeParse(env);
  if (!parsed.success)
    throw new Error(
      `Invalid configuration: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  const values = parsed.data;
  const keys = loadCodecKeys(env);
  if (!keys)
    throw new Error('Set OFFBOARD_CODEC_KEYS_FILE: the codec server decodes with the keys the worker encrypts with');
  const given = secretFromEnv(env, 'OFFBOARD_CODEC_SERVER_TOKEN');
  const token =
    given === undefined ? undefined : checkSecret('OFFBOARD_CODEC_SERVER_TOKEN', given, { minBytes: MIN_SECRET_BYTES });
  // Anyone who reaches an open codec server reads every run's report: opening it is a decision, not a default.
  if (token === undefined && values.OFFBOARD_CODEC_SERVER_INSECURE !== '1')
    throw new Error(
      'Set OFFBOARD_CODEC_SERVER_TOKEN or OFFBOARD_CODEC_SERVER_TOKEN_FILE; OFFBOARD_CODEC_SERVER_INSECURE=1 runs without ' +
        'one, only on a loopback address or behind an SSO proxy that checks who calls (docs/deployment.md)',
    );
  return {
    port: values.OFFBOARD_CODEC_SERVER_PORT,
    host: values.OFFBOARD_CODEC_SERVER_HOST,
    keys,
    allowedOrigins: parseOrigins(env.OFFBOARD_CODEC_CORS_ORIGINS),
    ...(token === undefined ? {} : { token }),
    logLevel: values.OFFBOARD_LOG_LEVEL.toLowerCase() as CodecServerConfig['logLevel'],
  };
}
