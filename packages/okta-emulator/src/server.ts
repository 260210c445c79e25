// The HTTP server: the /api/v1 pipeline (concurrency, faults, rate limits, auth, routes), the token endpoint and the admin API.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { handleAdmin, type AdminTarget } from './admin';
import { registerAppRoutes } from './apps';
import { registerAuthorizationServerRoutes } from './authorization-servers';
import { registerDeviceRoutes } from './devices';
import { codeForStatus, errorBody, oktaError, OktaError, summaryForCode, statusForCode } from './errors';
import { EventHookDelivery, registerEventHookRoutes } from './event-hooks';
import { registerFactorRoutes } from './factors';
import { FaultStore } from './faults';
import { registerGrantRoutes } from './grants';
import { registerGroupRoutes } from './groups';
import { registerIdpRoutes } from './idps';
import { registerLifecycleRoutes } from './lifecycle';
import { registerLogRoutes, SystemLog, type LogActor } from './logs';
import { AccessTokens, issueToken } from './oauth';
import { OktaOrg } from './org';
import { RateLimiter, unlimitedTable, workforceTable, type Verdict } from './rate-limits';
import { RequestLog } from './request-log';
import { registerRoleRoutes } from './roles';
import { Router, type Ctx, type Reply, type ServedRoute } from './routing';
import { StateFile } from './state-file';
import type { Org, RateLimitTable, RequestEntry } from './types';
import { registerUserRoutes } from './users';

/** `injected`: the answer came from a fault, not from the emulated Okta. */
export type ObservedResponse = {
  method: string;
  path: string;
  query: string;
  status: number;
  body: unknown;
  injected: boolean;
};

export type OktaEmulatorOptions = {
  /** 0 (default) picks a free port */
  port?: number;
  host?: string;
  seed?: Org;
  stateFile?: string;
  rateLimits?: 'workforce' | 'unlimited' | RateLimitTable;
  timeScale?: number;
  /** the SSWS API token; default `test-token` */
  token?: string;
  /**
   * how long `lifecycle/activate` takes, in Okta milliseconds (scaled by the time scale); default 2000, 0 = at once
   * (docs/okta-behaviour.md §6.1)
   */
  activationDelayMs?: number;
  /** how far the emulator's clock (the `Date` header, `X-Rate-Limit-Reset`, rate-limit windows) runs from the host's */
  clockOffsetMs?: number;
  /** in-process observer of every /api/v1 answer (tests validate them against the OpenAPI document) */
  onResponse?: (response: ObservedResponse) => void;
};

export type OktaEmulator = { url: string; port: number; close(): Promise<void> };

export const DEFAULT_ACTIVATION_DELAY_MS = 2000;

const MAX_BODY_BYTES = 1024 * 1024;
/** seeds of large sample orgs are big */
const MAX_ADMIN_BODY_BYTES = 256 * 1024 * 1024;
const MAX_URL_LENGTH = 16 * 1024;

const ADMIN_ACTOR: LogActor = {
  id: '00uEmulatorAdmin0001',
  type: 'User',
  alternateId: 'admin@example.com',
  displayName: 'Okta Admin',
};

type Principal = { actor: LogActor; scopes?: Set<string> };

function buildRouter(): Router {
  const router = new Router();
  registerUserRoutes(router);
  registerLifecycleRoutes(router);
  registerFactorRoutes(router);
  registerGroupRoutes(router);
  registerAppRoutes(router);
  registerGrantRoutes(router);
  registerDeviceRoutes(router);
  registerRoleRoutes(router);
  registerAuthorizationServerRoutes(router);
  registerIdpRoutes(router);
  registerLogRoutes(router);
  registerEventHookRoutes(router);
  return router;
}

/** The /api/v1 routes the emulator serves; each must have its operation in `contract/management.yaml`. */
export function apiRoutes(): ServedRoute[] {
  return buildRouter().routes();
}

/** A `.manage` scope also grants the matching `.read`. */
function hasScope(scopes: Set<string>, required: string): boolean {
  return scopes.has(required) || (required.endsWith('.read') && scopes.has(required.replace(/\.read$/, '.manage')));
}

function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        resolve('too-large');
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

class Emulator implements AdminTarget {
  org: OktaOrg;
  readonly log = new SystemLog();
  readonly faults = new FaultStore();
  readonly requests = new RequestLog();
  readonly limiter: RateLimiter;
  readonly tokens = new AccessTokens();
  readonly router = buildRouter();
  readonly hooks: EventHookDelivery;
  readonly stateFile: StateFile | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  baseUrl = '';

  constructor(private readonly options: OktaEmulatorOptions) {
    const timeScale = options.timeScale ?? 1;
    const rl = options.rateLimits ?? 'workforce';
    const table =
      rl === 'workforce'
        ? workforceTable(timeScale)
        : rl === 'unlimited'
          ? unlimitedTable(timeScale)
          : { ...rl, timeScale: options.timeScale ?? rl.timeScale };
    const offset = options.clockOffsetMs ?? 0;
    this.limiter = new RateLimiter(table, () => Date.now() + offset);
    this.stateFile = options.stateFile ? new StateFile(options.stateFile, () => this.org.toState()) : undefined;
    const saved = this.stateFile?.load();
    this.org =
      saved !== undefined ? OktaOrg.fromSeed(saved) : options.seed ? OktaOrg.fromSeed(options.seed) : OktaOrg.empty();
    this.hooks = new EventHookDelivery(
      () => this.org,
      () => this.baseUrl,
    );
    this.log.onEvent((event) => {
      this.stateFile?.changed();
      this.hooks.deliver(event);
    });
  }

  /** The emulator's clock, epoch ms. */
  now(): number {
    return this.limiter.now();
  }

  private later(realMs: number, fn: () => void): void {
    const org = this.org;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.org === org) fn();
    }, realMs);
    timer.unref();
    this.timers.add(timer);
  }

  replaceOrg(org: OktaOrg): void {
    this.org = org;
    this.limiter.resetWindows();
    this.tokens.clear();
    this.stateFile?.changed();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const rawUrl = req.url ?? '/';
    const method = (req.method ?? 'GET').toUpperCase();
    const qIndex = rawUrl.indexOf('?');
    const rawPath = qIndex === -1 ? rawUrl : rawUrl.slice(0, qIndex);
    const queryString = qIndex === -1 ? '' : rawUrl.slice(qIndex + 1);
    // The SDK with a trailing-slash orgUrl sends `//api/v1/...`; Okta-style, collapse it.
    const path = rawPath.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
    const query = new URLSearchParams(queryString);
    const baseUrl = `http://${req.headers.host ?? this.baseUrl.replace(/^http:\/\//, '')}`;

    if (path.startsWith('/__emulator/')) return this.handleAdmin(req, res, method, path, query);
    if (path === '/oauth2/v1/token') return this.handleToken(req, res, baseUrl);
    if (path !== '/api/v1' && !path.startsWith('/api/v1/')) {
      this.send(res, 404, errorBody(oktaError('E0000007', `Resource not found: ${path} (Endpoint)`)), {
        'x-okta-request-id': requestId(),
      });
      return;
    }
    await this.handleApi(req, res, {
      method,
      path,
      query,
      queryString,
      baseUrl,
      started,
      tooLong: rawUrl.length > MAX_URL_LENGTH,
    });
  }

  private async handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    call: {
      method: string;
      path: string;
      query: URLSearchParams;
      queryString: string;
      baseUrl: string;
      started: number;
      tooLong: boolean;
    },
  ): Promise<void> {
    const { method, path, query } = call;
    const headers: Record<string, string> = { 'x-okta-request-id': requestId() };
    const bucket = this.limiter.classify(method, path);
    const entry: RequestEntry = {
      at: new Date().toISOString(),
      method,
      path,
      ...(call.queryString ? { query: call.queryString } : {}),
      status: 0,
      durationMs: 0,
      bucket: bucket?.name ?? 'default',
      rateLimited: false,
    };
    let ctx: Ctx | undefined;
    const finish = (status: number, body: unknown, extra: Record<string, string> = {}, injected = false): void => {
      const all = { ...headers, ...extra };
      this.send(res, status, body, all);
      entry.status = status;
      entry.durationMs = Math.round((performance.now() - call.started) * 100) / 100;
      if (ctx?.userId) entry.userId = ctx.userId;
      if (status >= 400 && body && typeof body === 'object' && 'errorCode' in body)
        entry.errorCode = String((body as { errorCode: unknown }).errorCode);
      this.requests.add(entry);
      this.options.onResponse?.({ method, path, query: call.queryString, status, body, injected });
      if (status < 400 && method !== 'GET') this.stateFile?.changed();
    };
    const fail = (err: OktaError, extra: Record<string, string> = {}, injected = false): void =>
      finish(err.status, errorBody(err), extra, injected);

    if (this.limiter.inFlight >= this.limiter.concurrency) {
      entry.rateLimited = true;
      entry.limitedBy = 'concurrency';
      const reset = Math.ceil((this.now() + this.limiter.minuteMs()) / 1000);
      fail(oktaError('E0000047'), rateHeaders({ limit: 0, remaining: 0, resetEpochS: reset }));
      return;
    }
    this.limiter.inFlight++;
    try {
      const fault = this.faults.match(method, path);
      if (fault && fault.latencyMs > 0) await new Promise((r) => setTimeout(r, fault.latencyMs));
      const answer = fault?.answer;
      if (answer?.connectionReset) {
        entry.durationMs = Math.round(performance.now() - call.started);
        this.requests.add(entry);
        req.socket.destroy();
        return;
      }
      let verdict: Verdict | undefined;
      if (answer) {
        const status = answer.status ?? (answer.errorCode ? statusForCode(answer.errorCode) : undefined) ?? 500;
        const code = answer.errorCode ?? codeForStatus(status);
        const rate = bucket ? this.limiter.take(bucket) : undefined;
        let limits = rate ? rateHeaders(rate) : {};
        if (status === 429) {
          entry.rateLimited = true;
          const resetAfterMs = ((answer.resetAfterS ?? 0) * 1000) / this.limiter.timeScale;
          limits = rateHeaders({
            limit: bucket?.perMinute ?? 0,
            remaining: 0,
            resetEpochS: Math.floor((this.now() + resetAfterMs) / 1000),
          });
        }
        fail(new OktaError(code, status, answer.errorSummary ?? summaryForCode(code)), limits, true);
        return;
      }
      if (bucket) {
        verdict = this.limiter.take(bucket);
        Object.assign(headers, rateHeaders(verdict));
        if (!verdict.allowed) {
          entry.rateLimited = true;
          entry.limitedBy = verdict.window;
          fail(oktaError('E0000047'));
          return;
        }
      }
      if (call.tooLong) {
        fail(oktaError('E0000001', 'request', ['The request URL is too long']));
        return;
      }
      const principal = this.authenticate(req);
      if (!principal) {
        fail(oktaError('E0000011'));
        return;
      }
      const match = this.router.match(method, path);
      if (!match) {
        fail(oktaError('E0000007', `Resource not found: ${path} (Endpoint)`));
        return;
      }
      if ('methodNotAllowed' in match) {
        fail(oktaError('E0000022'));
        return;
      }
      if (principal.scopes && !hasScope(principal.scopes, match.route.scope)) {
        fail(oktaError('E0000006', undefined, [`The access token is missing the scope ${match.route.scope}`]));
        return;
      }
      const raw = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readBody(req);
      if (raw === 'too-large') {
        headers['connection'] = 'close';
        fail(oktaError('E0000003', undefined, ['The request body is too large']));
        return;
      }
      let body: unknown;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8')) as unknown;
        } catch {
          fail(oktaError('E0000003'));
          return;
        }
      }
      const log = this.log;
      ctx = {
        method,
        path,
        params: match.params,
        query,
        headers: req.headers,
        body,
        baseUrl: call.baseUrl,
        org: this.org,
        log,
        actor: principal.actor,
        record: (eventType, targets, displayMessage, actor) => {
          log.append(
            eventType,
            actor ?? principal.actor,
            targets,
            `${path}${call.queryString ? `?${call.queryString}` : ''}`,
            displayMessage,
          );
        },
        activationDelayRealMs: (this.options.activationDelayMs ?? DEFAULT_ACTIVATION_DELAY_MS) / this.limiter.timeScale,
        later: (realMs, fn) => this.later(realMs, fn),
      };
      let reply: Reply;
      try {
        reply = await match.route.handler(ctx);
      } catch (err) {
        if (err instanceof OktaError) {
          fail(err);
          return;
        }
        process.stderr.write(`okta-emulator: ${method} ${path} failed: ${(err as Error).stack ?? String(err)}\n`);
        fail(oktaError('E0000009' as never));
        return;
      }
      finish(reply.status, reply.body, reply.headers);
    } finally {
      this.limiter.inFlight--;
    }
  }

  private authenticate(req: IncomingMessage): Principal | undefined {
    const auth = req.headers.authorization ?? '';
    const space = auth.indexOf(' ');
    const scheme = space === -1 ? auth : auth.slice(0, space);
    const value = space === -1 ? '' : auth.slice(space + 1).trim();
    if (scheme === 'SSWS') return value === (this.options.token ?? 'test-token') ? { actor: ADMIN_ACTOR } : undefined;
    if (scheme === 'Bearer' || scheme === 'DPoP') {
      const token = this.tokens.lookup(value);
      if (!token) return undefined;
      return {
        actor: {
          id: token.clientId,
          type: 'PublicClientApp',
          alternateId: token.clientId,
          displayName: token.clientId,
        },
        scopes: token.scopes,
      };
    }
    return undefined;
  }

  private async handleToken(req: IncomingMessage, res: ServerResponse, baseUrl: string): Promise<void> {
    const headers = { 'x-okta-request-id': requestId(), 'cache-control': 'no-cache, no-store', pragma: 'no-cache' };
    if (req.method !== 'POST') {
      this.send(res, 405, errorBody(oktaError('E0000022')), headers);
      return;
    }
    const raw = await readBody(req);
    if (raw === 'too-large') {
      this.send(
        res,
        400,
        { error: 'invalid_request', error_description: 'The request body is too large.' },
        { ...headers, connection: 'close' },
      );
      return;
    }
    const reply = await issueToken(
      new URLSearchParams(raw.toString('utf8')),
      this.org,
      this.tokens,
      `${baseUrl}/oauth2/v1/token`,
    );
    this.send(res, reply.status, reply.body, headers);
  }

  private async handleAdmin(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
    query: URLSearchParams,
  ): Promise<void> {
    const raw = method === 'GET' ? Buffer.alloc(0) : await readBody(req, MAX_ADMIN_BODY_BYTES);
    if (raw === 'too-large') {
      this.send(res, 413, { error: 'body too large' }, { connection: 'close' });
      return;
    }
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8')) as unknown;
      } catch {
        this.send(res, 400, { error: 'malformed JSON' }, {});
        return;
      }
    }
    const reply = handleAdmin(this, method, path, query, body);
    this.send(res, reply.status, reply.body, {});
  }

  /** Every answer carries `Date` on the emulator's clock: the SDK waits `X-Rate-Limit-Reset - Date` after a 429. */
  send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
    writeAnswer(res, status, body, { date: new Date(this.now()).toUTCString(), ...headers });
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.hooks.settle();
    this.stateFile?.flush();
  }
}

function requestId(): string {
  return randomBytes(15).toString('base64url');
}

function rateHeaders(v: { limit: number; remaining: number; resetEpochS: number }): Record<string, string> {
  return {
    'x-rate-limit-limit': String(v.limit),
    'x-rate-limit-remaining': String(v.remaining),
    'x-rate-limit-reset': String(v.resetEpochS),
  };
}

function writeAnswer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  if (res.headersSent || res.destroyed) return;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (body === undefined || status === 204) {
    res.writeHead(status);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Starts an emulator; `port: 0` picks a free port. */
export async function startOktaEmulator(options: OktaEmulatorOptions = {}): Promise<OktaEmulator> {
  const emulator = new Emulator(options);
  const sockets = new Set<Socket>();
  const server = createServer({ keepAlive: true }, (req, res) => {
    emulator.handle(req, res).catch((err: unknown) => {
      process.stderr.write(`okta-emulator: ${(err as Error).stack ?? String(err)}\n`);
      emulator.send(res, 500, errorBody({ errorCode: 'E0000009', errorSummary: 'Internal Server Error' }), {});
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  emulator.baseUrl = url;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closing ??= (async () => {
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 1000).unref();
        await done;
        await emulator.close();
      })();
      return closing;
    },
  };
}
