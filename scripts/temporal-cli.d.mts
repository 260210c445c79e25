export const TEMPORAL_CLI_VERSION: string;
export const TEMPORAL_SERVER_VERSION: string;
export function cacheRoot(): string;
export function cachedCliPath(): string;
export function buildWithGo(module: string, target: string, log?: (line: string) => void): Promise<boolean>;
export function ensureTemporalCli(log?: (line: string) => void): Promise<string>;
