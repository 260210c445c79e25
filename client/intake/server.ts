// The HTTP intake: the signed HR webhook and steering routes, the Okta event hook, health and the
// OpenAPI document. Routes check who signed and what its scopes allow, validate and map; run semantics
// (one run per event and person, a new HR date moving a scheduled run) are the runs layer's. Bad input
// or a missing scope gets a 4xx JSON `{ error, message }` and changes nothing.
import fastifySwagger from '@fastify/swagger';
import type { Client as OktaClient } from '@okta/okta-sdk-nodejs';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { parseDuration } from '../../workflows/definitions';
import type { IntakeConfig } from '../config';
import { InvalidDateError, parseEffectiveAt } from '../effective-date';
import { startOnce, startOrReschedule } from '../../runs/offboardings';
import { resolveGroupId } from '../../okta/lookups';
import {
  cancelRun,
  expediteRun,
  isTemporalUnavailable,
  rehire,
  rescheduleRun,
  resolveUserId,
  RunNotMovableError,
  runStatus,
  SteeringError,
  wipeDevicesNow,
} from '../../runs/steering';
import * as schemas from './schemas';
import { EVENT_HOOK_CALLER, HMAC_MOVABLE_SOURCES, missingScope, type IntakeScope } from './scopes';
import { sameSecret, SIGNATURE_HEADER, signatureWorkflowId, SIGNATURE_WINDOW_S, verifySignature } from './signature';
import type { signatureSeen } from '../../workflows/signature-seen';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received: what the signature covers. */
    rawBody: string;
    /** The name of the secret that verified the call: the caller, recorded as `requestedBy`. */
    signer: string;
  }
}

export interface IntakeDeps {
  config: Pick<IntakeConfig, 'hmacSecrets' | 'eventHookSecret' | 'offboardingGroup' | 'timeZone' | 'bodyLimit'> &
    Partial<Pick<IntakeConfig, 'hmacScopes' | 'acceptV1Signatures' | 'tls'>> & {
      temporal: Pick<IntakeConfig['temporal'], 'taskQueue'>;
    };
  temporal: Client;
  okta: OktaClient;
  logger?: FastifyServerOptions['logger'];
  /** Seconds since the epoch; tests move it. */
  nowS?: () => number;
}

/** A refusal with its HTTP status and JSON error code. */
class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

const STEERING_STATUS: Record<SteeringError['code'], number> = {
  'unknown-user': 404,
  'no-run': 404,
  'not-accepted': 409,
  'invalid-input': 400,
  'temporal-unavailable': 503,
  'okta-unavailable': 502,
};

const RETRY_AFTER_S = '10';
const HOOK_EVENT = 'group.user_membership.add';

interface HrEvent {
  user: string;
  eventId: string;
  effectiveAt?: string;
  reason?: string;
  deviceWipeDelay?: string;
  /** What the HR system calls itself: kept in the default reason, never as `requestedBy`. */
  source?: string;
}

interface HookEvent {
  uuid: string;
  eventType: string;
  target?: Array<{ id?: string; type?: string; displayName?: string | null }> | null;
}

type UserParams = { user: string };

/**
 * What the request log shows of a URL: the route's pattern (`/v1/offboardings/:user/cancel`), never the
 * login or email in the path nor the query; `(no route)` for a URL no route matches, which may hold anything.
 */
function loggedUrl(request: FastifyRequest): string {
  return request.routeOptions?.url ?? '(no route)';
}

/** Fastify's request serializer without the raw URL: the user path parameter is personal data. */
const REQUEST_SERIALIZERS = {
  req: (request: FastifyRequest) => ({
    method: request.method,
    url: loggedUrl(request),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  }),
};

/** The caller's logger options with the redacting serializers; bodies are never logged (Fastify does not). */
function loggerOptions(logger: IntakeDeps['logger']): FastifyServerOptions['logger'] {
  if (!logger) return false;
  const options = logger === true ? {} : (logger as Exclude<FastifyServerOptions['logger'], boolean | undefined>);
  return { ...options, serializers: { ...REQUEST_SERIALIZERS, ...(options as { serializers?: object }).serializers } };
}

/** How long the remembering workflow may stay open when no worker runs it: longer than the signature window. */
const SIGNATURE_SEEN_TIMEOUT = `${SIGNATURE_WINDOW_S * 12}s`;

export async function buildIntake(deps: IntakeDeps): Promise<FastifyInstance> {
  const { config, temporal, okta } = deps;
  const nowS = deps.nowS ?? (() => Math.floor(Date.now() / 1000));
  const taskQueue = config.temporal.taskQueue;
  /**
   * The replay cache, in Temporal: each accepted steering signature starts `signatureSeen` under an id
   * derived from it with WorkflowIdReusePolicy REJECT_DUPLICATE, so every intake replica on the namespace,
   * and an intake restarted, refuses it again (WorkflowExecutionAlreadyStartedError); the namespace's
   * retention keeps the id far past the 300 s window. False when the signature was already used.
   */
  async function firstUse(signature: string): Promise<boolean> {
    try {
      await temporal.workflow.start<typeof signatureSeen>('signatureSeen', {
        workflowId: signatureWorkflowId(signature),
        taskQueue,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        workflowExecutionTimeout: SIGNATURE_SEEN_TIMEOUT,
      });
      return true;
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
      throw error;
    }
  }
  const hookStarts = new Set<Promise<void>>();
  /**
   * The offboarding group's id: a delivery about another group of the same display name (one mastered in a
   * directory, say) starts nothing. Configured as an id, no lookup; as a name, looked up for each delivery that
   * names a group of that name (`search`, okta.groups.read): none, or two groups of the name, start nothing.
   */
  async function offboardingGroupId(log: FastifyBaseLogger): Promise<string | undefined> {
    const group = config.offboardingGroup;
    if (!group) return undefined;
    try {
      return await resolveGroupId(okta, group);
    } catch (error) {
      log.error({ err: error }, 'the offboarding group could not be looked up: give OFFBOARD_OKTA_GROUP as its id');
      return undefined;
    }
  }

  const app = Fastify({
    logger: loggerOptions(deps.logger),
    ...(config.tls ? { https: config.tls } : {}),
    bodyLimit: config.bodyLimit,
    exposeHeadRoutes: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Offboarding intake',
        version: '1.0.0',
        description: 'Starts and steers Okta offboarding runs on Temporal.',
      },
      components: {
        securitySchemes: {
          offboardSignature: {
            type: 'apiKey',
            in: 'header',
            name: 'Offboard-Signature',
            description:
              't=<unix seconds>,v2=<hex HMAC-SHA256 over the netstrings of t, METHOD, path, query, content type and raw body>',
          },
          oktaHookSecret: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description: 'The event hook’s shared secret',
          },
        },
      },
    },
  });

  // Keep the raw body for the signature; JSON is parsed after the signature is checked, so an
  // unauthenticated caller learns nothing about what the intake accepts. JSON is the only content type:
  // Fastify's built-in text/plain parser would leave `rawBody` empty, so a text body verified against a
  // signature over an empty body and was then replaced by `{}`. Any other type is a 415.
  app.decorateRequest('rawBody', '');
  app.decorateRequest('signer', '');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    request.rawBody = body as string;
    done(null, undefined);
  });

  function parseJson(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
    if (!request.rawBody) {
      request.body = {};
      return done();
    }
    try {
      request.body = JSON.parse(request.rawBody);
      done();
    } catch (error) {
      done(new HttpError(400, 'malformed-json', `The body is not JSON: ${(error as Error).message}`));
    }
  }

  /** HMAC signature; `once`: a signature already used inside the window is refused (steering routes). */
  const signed = (once: boolean) => async (request: FastifyRequest) => {
    const result = verifySignature(
      request.headers[SIGNATURE_HEADER] as string | undefined,
      config.hmacSecrets,
      {
        method: request.method,
        pathWithQuery: request.url,
        contentType: request.headers['content-type'] ?? '',
        rawBody: request.rawBody,
      },
      nowS(),
      config.acceptV1Signatures ?? false,
    );
    if (!result.ok) throw new HttpError(result.status, result.error, result.message);
    if (once && !(await firstUse(result.signature))) {
      throw new HttpError(409, 'replayed-signature', 'This signature was already used; sign each request anew');
    }
    request.signer = result.signer;
  };

  /** The signer's scopes must hold `scope`; checked after the replay check, so a replay is still a 409. */
  const may =
    (scope: IntakeScope) => (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
      const missing = missingScope(config.hmacScopes, request.signer, scope);
      done(missing === undefined ? undefined : new HttpError(403, 'missing-scope', missing));
    };

  /** A signed route needing `scope`, which its OpenAPI description names. */
  const signedRoute = <S extends object>(scope: IntakeScope, schema: S, once = true) => ({
    schema: { ...schema, description: `Needs the scope \`${scope}\` (OFFBOARD_HMAC_SCOPES).` },
    preValidation: [signed(once), may(scope), parseJson],
  });

  const oktaHook = (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
    if (!config.eventHookSecret)
      return done(new HttpError(503, 'hook-not-configured', 'OKTA_EVENT_HOOK_SECRET is not set'));
    if (!sameSecret(request.headers.authorization, config.eventHookSecret)) {
      return done(
        new HttpError(401, 'bad-hook-secret', 'The Authorization header does not carry the event hook secret'),
      );
    }
    done();
  };

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string; validation?: unknown }, request, reply) => {
    if (error instanceof HttpError)
      return reply.code(error.statusCode).send({ error: error.error, message: error.message });
    if (error instanceof SteeringError) {
      const status = STEERING_STATUS[error.code];
      if (status === 503) void reply.header('retry-after', RETRY_AFTER_S);
      return reply.code(status).send({ error: error.code, message: error.message });
    }
    if (error instanceof RunNotMovableError)
      return reply.code(403).send({ error: 'not-an-hr-run', message: error.message });
    if (error instanceof InvalidDateError)
      return reply.code(400).send({ error: 'invalid-date', message: error.message });
    if (error.validation) return reply.code(400).send({ error: 'invalid-request', message: error.message });
    if (isTemporalUnavailable(error)) {
      return reply
        .code(503)
        .header('retry-after', RETRY_AFTER_S)
        .send({ error: 'temporal-unavailable', message: 'Temporal is unreachable; try again later' });
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return reply.code(413).send({ error: 'body-too-large', message: error.message });
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ error: error.code ?? 'bad-request', message: error.message });
    }
    request.log.error({ err: error }, 'intake request failed');
    return reply.code(500).send({ error: 'internal', message: 'The intake failed; the request may be retried' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not-found', message: `No route ${request.method} ${request.url}` }),
  );

  app.post<{ Body: HrEvent }>(
    '/v1/offboardings',
    signedRoute('start', schemas.hrEventSchema, false),
    async (request, reply) => {
      const event = request.body;
      const effectiveAt =
        event.effectiveAt === undefined ? undefined : parseEffectiveAt(event.effectiveAt, config.timeZone);
      if (event.deviceWipeDelay !== undefined && parseDuration(event.deviceWipeDelay) === undefined) {
        throw new HttpError(
          400,
          'invalid-duration',
          `deviceWipeDelay must be a duration such as 72h or 3d; got ${JSON.stringify(event.deviceWipeDelay)}`,
        );
      }
      // The verified signer, whatever the body claims: a caller cannot record itself as another.
      const requestedBy = request.signer;
      const from = event.source && event.source !== requestedBy ? `${requestedBy} (${event.source})` : requestedBy;
      const run = await startOrReschedule(temporal, okta, taskQueue, {
        user: event.user,
        reason: event.reason ?? `Termination event ${event.eventId} from ${from}`,
        source: 'hr',
        requestedBy,
        correlationId: event.eventId,
        ...(effectiveAt ? { effectiveAt } : {}),
        ...(event.deviceWipeDelay ? { deviceWipeDelay: event.deviceWipeDelay } : {}),
      });
      const { workflowId, runId, created, rescheduledTo } = run;
      return reply.code(202).send({ workflowId, runId, created, ...(rescheduledTo ? { rescheduledTo } : {}) });
    },
  );

  const user = (request: FastifyRequest<{ Params: UserParams }>) => resolveUserId(okta, request.params.user);
  const hrRunsOnly = { movable: HMAC_MOVABLE_SOURCES };

  app.post<{ Params: UserParams; Body: { reason?: string } }>(
    '/v1/offboardings/:user/cancel',
    signedRoute('cancel', schemas.cancelSchema),
    async (request) =>
      cancelRun(temporal, await user(request), { requestedBy: request.signer, reason: request.body.reason }),
  );
  app.post<{ Params: UserParams }>(
    '/v1/offboardings/:user/rehire',
    signedRoute('rehire', schemas.rehireSchema),
    async (request) => rehire(temporal, taskQueue, await user(request), request.signer),
  );
  app.post<{ Params: UserParams; Body: { reason?: string } }>(
    '/v1/offboardings/:user/wipe-now',
    signedRoute('wipe-now', schemas.wipeNowSchema),
    async (request) =>
      wipeDevicesNow(temporal, await user(request), { requestedBy: request.signer, reason: request.body.reason }),
  );
  app.post<{ Params: UserParams; Body: { reason?: string } }>(
    '/v1/offboardings/:user/expedite',
    signedRoute('expedite', schemas.expediteSchema),
    async (request) =>
      expediteRun(
        temporal,
        await user(request),
        { requestedBy: request.signer, reason: request.body.reason },
        hrRunsOnly,
      ),
  );
  app.post<{ Params: UserParams; Body: { effectiveAt: string } }>(
    '/v1/offboardings/:user/reschedule',
    signedRoute('reschedule', schemas.rescheduleSchema),
    async (request) => {
      const effectiveAt = parseEffectiveAt(request.body.effectiveAt, config.timeZone);
      return rescheduleRun(temporal, await user(request), { effectiveAt, requestedBy: request.signer }, hrRunsOnly);
    },
  );
  app.get<{ Params: UserParams }>(
    '/v1/offboardings/:user',
    signedRoute('read', schemas.statusSchema),
    async (request) => runStatus(temporal, await user(request)),
  );

  // The Okta event hook (docs/cli-and-intake.md): the verification challenge, then deliveries.
  app.get(
    '/okta/event-hook',
    { schema: schemas.hookVerificationSchema, preValidation: [oktaHook] },
    async (request) => ({
      verification: request.headers['x-okta-verification-challenge'] as string,
    }),
  );
  app.post<{ Body: { data: { events: HookEvent[] } } }>(
    '/okta/event-hook',
    { schema: schemas.hookDeliverySchema, preValidation: [oktaHook, parseJson] },
    async (request, reply) => {
      // Okta waits 3 s at most: runs start in the background. Duplicated deliveries and events
      // already handled by the System Log poller are absorbed by `startOnce` (same event, same run).
      let groupId: Promise<string | undefined> | undefined;
      for (const event of request.body.data.events) {
        if (event.eventType !== HOOK_EVENT) continue;
        const start = (async () => {
          groupId ??= offboardingGroupId(request.log);
          const id = await groupId;
          const userId = id ? offboardingGroupAdd(event, id) : undefined;
          if (!userId) return;
          await startOnce(temporal, taskQueue, {
            userId,
            reason: `Added to the Okta group ${id}`,
            ...EVENT_HOOK_CALLER,
            correlationId: event.uuid,
          });
        })()
          .catch((error: unknown) =>
            request.log.warn(
              { err: error, uuid: event.uuid },
              'event hook start failed; the System Log poller will pick the event up',
            ),
          )
          .finally(() => hookStarts.delete(start));
        hookStarts.add(start);
      }
      return reply.code(204).send();
    },
  );

  /** The user added, when the event adds someone to the offboarding group (by its id, never its display name). */
  function offboardingGroupAdd(event: HookEvent, groupId: string): string | undefined {
    const targets = event.target ?? [];
    const inGroup = targets.some((target) => target.type === 'UserGroup' && target.id === groupId);
    return inGroup ? targets.find((target) => target.type === 'User')?.id : undefined;
  }

  app.get('/healthz', { schema: schemas.healthSchema }, async () => {
    const reachable = await temporal
      .withDeadline(Date.now() + 2_000, () => temporal.workflowService.getSystemInfo({}))
      .then(
        () => true,
        () => false,
      );
    return { status: 'ok', temporal: reachable ? 'reachable' : 'unreachable' };
  });
  app.get('/openapi.json', { schema: schemas.openApiSchema }, async () => app.swagger());

  app.addHook('onClose', async () => {
    await Promise.allSettled([...hookStarts]);
  });
  await app.ready();
  return app;
}
