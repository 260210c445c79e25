// The single list of emulator answers that Okta's OpenAPI document (management.yaml) leaves out, each with its source.
// Nothing outside this list is exempt from validation.

export type AllowedAnswer = {
  /** what is allowed, in a sentence */
  reason: string;
  /** where okta-api.md (or Okta's docs it cites) documents the answer */
  source: string;
  method?: string;
  /** spec path template (e.g. `/api/v1/devices/{deviceId}/lifecycle/suspend`), or a RegExp on it; absent = any route */
  route?: string | RegExp;
  status: number;
  errorCode?: string;
  /** the answer is not declared as a status of the operation (or the route is unknown); its body is still an Okta error */
  undeclaredStatus?: true;
  /** a declared answer whose body deviates from the spec's schema by a documented defect */
  schemaDefect?: RegExp;
};

export const OPENAPI_ALLOWLIST: AllowedAnswer[] = [
  {
    reason: '401 E0000011 Invalid token provided, answered by every route to a missing or wrong token',
    source: 'okta-api.md §11 "SSWS" and A.1 (SPEC-EX:ErrorInvalidTokenProvided; [CORE] "API token authentication")',
    status: 401, errorCode: 'E0000011', undeclaredStatus: true,
  },
  {
    reason: '405 E0000022 for a method a known path does not support',
    source: 'okta-api.md A.1 ([ERRCODES] E0000022)',
    status: 405, errorCode: 'E0000022', undeclaredStatus: true,
  },
  {
    reason: '404 E0000007 for a path outside the API (no operation in the spec to validate against)',
    source: 'okta-api.md A.1 ([ERRCODES] E0000007)',
    status: 404, errorCode: 'E0000007', undeclaredStatus: true, route: /^\(unknown\)$/,
  },
  {
    reason: '400 E0000031 on a bad filter/search expression of a list route',
    source: 'okta-api.md §1 listUsers "400 for bad expressions (E0000031 / E0000001)", §12 System Log E0000031',
    method: 'GET', route: /^\/api\/v1\/(users|groups|devices|logs|groups\/rules|apps)$/, status: 400, errorCode: 'E0000031', undeclaredStatus: true,
  },
  {
    reason: '400 E0000001 on a device lifecycle transition from the wrong state',
    source: 'okta-api.md §8 ([OLDDOC:devices] "Lifecycle operations")',
    method: 'POST', route: /^\/api\/v1\/devices\/\{deviceId\}\/lifecycle\/(activate|deactivate|suspend|unsuspend)$/, status: 400, errorCode: 'E0000001', undeclaredStatus: true,
  },
  {
    reason: '501 E0000060 Unsupported operation when adding a member to Everyone',
    source: 'okta-api.md §4 "Add" (okta/terraform-provider-okta issue #903; [ERRCODES] E0000060)',
    method: 'PUT', route: '/api/v1/groups/{groupId}/users/{userId}', status: 501, errorCode: 'E0000060', undeclaredStatus: true,
  },
  {
    reason: 'Device status CREATED, which the DeviceStatus enum omits although the spec\'s own examples use it',
    source: 'okta-api.md §8 "the spec enum DeviceStatus says ACTIVE|DEACTIVATED|SUSPENDED|UNSUSPENDED but its own examples use CREATED"',
    route: /^\/api\/v1\/(devices|users\/\{userId\}\/devices)/, status: 200, schemaDefect: /\/status must be equal to one of the allowed values/,
  },
];
