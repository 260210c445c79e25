// The Temporal dev server (`temporal server start-dev` of the pinned CLI) as the demo and the
// benchmark run it: the project's search attributes, the new matcher (task priorities), SQLite
// pragmas, an optional SQLite file so runs survive a restart. Tests reuse `devServerArgs()`.
//
//   const server = await startDevServer(supervisor, { cliPath, port: 7233, uiPort: 8233, dbFile: '.demo/temporal.sqlite' });
//   server.address;  // 127.0.0.1:7233
//   server.uiUrl;    // http://127.0.0.1:8233 (undefined when headless)
// With `uiCodecEndpoint` the UI decrypts payloads through the codec server (codec-server/).
import { spawn } from 'node:child_process';
import { SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/definitions';
import type { SupervisedChild, Supervisor } from './supervisor/processes';

/**
 * `matching.useNewMatcher` makes the server honour activity priorities (lock-phase calls first);
 * without it server 1.29.1 ignores `priorityKey` (docs/deployment.md). SQLite pragmas keep a
 * layoff-sized run fast.
 */
export function devServerArgs(): string[] {
  return [
    '--dynamic-config-value',
    'matching.useNewMatcher=true',
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    'synchronous=OFF',
  ];
}

const CLI_TYPE_NAMES: Partial<Record<SearchAttributeType, string>> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** `--search-attribute Name=Type` for every custom search attribute of the project. */
export function searchAttributeArgs(): string[] {
  return SEARCH_ATTRIBUTE_KEYS.flatMap((key) => [
    '--search-attribute',
    `${key.name}=${CLI_TYPE_NAMES[key.type] ?? 'Keyword'}`,
  ]);
}

export interface DevServerOptions {
  /** The pinned `temporal` CLI (bootstrap exports it as TEMPORAL_CLI_PATH). */
  cliPath: string;
  ip?: string;
  /** Frontend gRPC port; default 7233. */
  port?: number;
  /** Web UI port; default 8233; `false` runs headless. */
  uiPort?: number | false;
  /** SQLite file; in memory (runs lost at exit) when absent. */
  dbFile?: string;
  /**
   * The codec server the Web UI's browser pages call to show decrypted payloads (`--ui-codec-endpoint`, the UI
   * server's `codec.endpoint`); the codec server must grant CORS to the UI's origin.
   */
  uiCodecEndpoint?: string;
  /** Supervisor child name and log file name; default `temporal`. */
  name?: string;
  /** How long to wait for a healthy server; default 60 s. */
  timeoutMs?: number;
  extraArgs?: string[];
}

export interface DevServer {
  /** `host:port` for TEMPORAL_ADDRESS. */
  address: string;
  uiUrl?: string;
  child: SupervisedChild;
}

export function startDevServerArgs(options: DevServerOptions): string[] {
  const ip = options.ip ?? '127.0.0.1';
  const uiPort = options.uiPort ?? 8233;
  return [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(options.port ?? 7233),
    ...(uiPort === false ? ['--headless'] : ['--ui-port', String(uiPort)]),
    ...(uiPort !== false && options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
    ...searchAttributeArgs(),
    ...devServerArgs(),
    ...(options.extraArgs ?? []),
  ];
}

/** One `temporal operator cluster health` call: true when the server answers SERVING. */
export function clusterHealthy(cliPath: string, address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(
      cliPath,
      [
        'operator',
        'cluster',
        'health',
        '--address',
        address,
        '--command-timeout',
        '3s',
        '--disable-config-file',
        '--disable-config-env',
      ],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', () => resolve(false));
    child.once('close', (code) => resolve(code === 0 && /SERVING/.test(output)));
  });
}

/** Starts the dev server under the supervisor and waits until it is healthy (and its UI answers, unless headless). */
export async function startDevServer(supervisor: Supervisor, options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const address = `${ip}:${options.port ?? 7233}`;
  const uiPort = options.uiPort ?? 8233;
  const child = await supervisor.start({
    name: options.name ?? 'temporal',
    command: options.cliPath,
    args: startDevServerArgs(options),
    ready: {
      probe: () => clusterHealthy(options.cliPath, address),
      ...(uiPort === false ? {} : { port: { port: uiPort, host: ip } }),
      timeoutMs: options.timeoutMs ?? 60_000,
    },
  });
  return {
    address,
    child,
    ...(uiPort === false ? {} : { uiUrl: `http://${ip === '0.0.0.0' ? 'localhost' : ip}:${uiPort}` }),
  };
}
