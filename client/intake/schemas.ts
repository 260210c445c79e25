// JSON schemas of the intake's routes: fastify validates requests with them (unknown fields are
// refused, types are not coerced) and @fastify/swagger builds the OpenAPI document from them.

const error = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const;

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, { description: 'Error', ...error }]));

const userParam = {
  type: 'object',
  required: ['user'],
  properties: { user: { type: 'string', minLength: 1, maxLength: 320, description: 'Okta user id or login' } },
} as const;

const reasonBody = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', maxLength: 1000 } },
} as const;

const runRef = {
  type: 'object',
  required: ['workflowId', 'runId'],
  properties: { workflowId: { type: 'string' }, runId: { type: 'string' } },
} as const;

const signed = [{ offboardSignature: [] }];

export const hrEventSchema = {
  summary: 'HR termination event: start (or find) the person’s offboarding run',
  tags: ['HR'],
  security: signed,
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['user', 'eventId'],
    properties: {
      user: { type: 'string', minLength: 1, maxLength: 320, description: 'Okta user id or login' },
      eventId: {
        type: 'string',
        pattern: '^[A-Za-z0-9._:/+=-]{1,200}$',
        description: 'The HR system’s event id; a repeat answers with the same run',
      },
      effectiveAt: {
        type: 'string',
        maxLength: 40,
        description: 'ISO-8601 with an offset, or a date alone (start of that day in OFFBOARD_TIMEZONE)',
      },
      reason: { type: 'string', maxLength: 1000 },
      deviceWipeDelay: { type: 'string', maxLength: 20, description: 'Duration such as 72h or 3d' },
      source: {
        type: 'string',
        minLength: 1,
        maxLength: 100,
        description:
          'What the HR system calls itself, kept in the default reason; requestedBy is always the name of the secret that signed',
      },
    },
  },
  response: {
    202: {
      description: 'The run, created now or earlier',
      type: 'object',
      required: ['workflowId', 'runId', 'created'],
      properties: {
        workflowId: { type: 'string' },
        runId: { type: 'string' },
        created: { type: 'boolean' },
        rescheduledTo: {
          type: 'string',
          description: 'Set when this event moved the effective date of a scheduled run',
        },
      },
    },
    ...errors(400, 401, 403, 404, 413, 415, 503),
  },
} as const;

const steering = (summary: string, body: object, response: object = runRef) => ({
  summary,
  tags: ['Steering'],
  security: signed,
  params: userParam,
  body,
  response: { 200: { description: 'Accepted', ...response }, ...errors(400, 401, 403, 404, 409, 413, 503) },
});

export const cancelSchema = steering('Cancel the person’s open run at its next safe point', reasonBody);
export const rehireSchema = steering(
  'Rehire: stop the open run and restore, or restore after it closed',
  { type: 'object', additionalProperties: false, properties: {} },
  {
    ...runRef,
    properties: { ...runRef.properties, via: { type: 'string', enum: ['signal', 'rehireUser'] } },
  },
);
export const wipeNowSchema = steering('Decommission devices without waiting for the delay', reasonBody);
export const expediteSchema = steering('End the scheduled wait now', reasonBody, {
  ...runRef,
  properties: { ...runRef.properties, phase: { type: 'string' } },
});
export const rescheduleSchema = steering(
  'Move the effective date of a scheduled run',
  {
    type: 'object',
    additionalProperties: false,
    required: ['effectiveAt'],
    properties: {
      effectiveAt: { type: 'string', maxLength: 40, description: 'ISO-8601 with an offset, or a date alone' },
    },
  },
  { ...runRef, properties: { ...runRef.properties, effectiveAt: { type: 'string' } } },
);

export const statusSchema = {
  summary: 'The person’s latest offboarding run: its status while open, its report once closed',
  tags: ['Steering'],
  security: signed,
  params: userParam,
  response: {
    200: {
      description: 'The run',
      type: 'object',
      required: ['workflowId', 'runId', 'runStatus'],
      properties: {
        workflowId: { type: 'string' },
        runId: { type: 'string' },
        runStatus: { type: 'string' },
        status: { type: 'object', additionalProperties: true },
        report: { type: 'object', additionalProperties: true },
      },
    },
    ...errors(401, 403, 404, 409, 503),
  },
} as const;

export const hookVerificationSchema = {
  summary: 'Okta event hook one-time verification: echoes the challenge',
  tags: ['Okta'],
  security: [{ oktaHookSecret: [] }],
  headers: {
    type: 'object',
    required: ['x-okta-verification-challenge'],
    properties: { 'x-okta-verification-challenge': { type: 'string', minLength: 1, maxLength: 200 } },
  },
  response: {
    200: {
      description: 'The challenge',
      type: 'object',
      required: ['verification'],
      properties: { verification: { type: 'string' } },
    },
    ...errors(400, 401, 503),
  },
} as const;

export const hookDeliverySchema = {
  summary: 'Okta event hook delivery: starts a run for each add to the offboarding group',
  tags: ['Okta'],
  security: [{ oktaHookSecret: [] }],
  body: {
    type: 'object',
    required: ['data'],
    properties: {
      eventId: { type: 'string' },
      data: {
        type: 'object',
        required: ['events'],
        properties: {
          events: {
            type: 'array',
            maxItems: 1000,
            items: {
              type: 'object',
              required: ['uuid', 'eventType'],
              properties: {
                uuid: { type: 'string', pattern: '^[A-Za-z0-9-]{1,100}$' },
                eventType: { type: 'string' },
                published: { type: 'string' },
                target: {
                  type: ['array', 'null'],
                  items: {
                    type: 'object',
                    properties: {
                      id: { type: 'string' },
                      type: { type: 'string' },
                      displayName: { type: ['string', 'null'] },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
  response: {
    204: { description: 'Received; runs start in the background', type: 'null' },
    ...errors(400, 401, 413, 503),
  },
} as const;

export const healthSchema = {
  summary: 'Liveness of the intake and reachability of Temporal',
  tags: ['Operations'],
  response: {
    200: {
      description: 'The intake is up',
      type: 'object',
      required: ['status', 'temporal'],
      properties: {
        status: { type: 'string', enum: ['ok'] },
        temporal: { type: 'string', enum: ['reachable', 'unreachable'] },
      },
    },
  },
} as const;

export const openApiSchema = {
  summary: 'This OpenAPI document',
  tags: ['Operations'],
  response: { 200: { description: 'OpenAPI 3 document', type: 'object', additionalProperties: true } },
} as const;
