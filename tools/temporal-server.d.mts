export function serverCacheDir(): string;
export function ensureTemporalServer(log?: (line: string) => void): Promise<{
  server: string;
  sqlTool: string;
  /** Seconds each build took; undefined when it came from the cache or the environment. */
  buildSeconds: { server?: number; sqlTool?: number };
}>;
