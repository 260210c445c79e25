// The single list of emulator answers that Okta's OpenAPI document (contract/management.yaml) leaves out, each with
// its source (docs/okta-behaviour.md §16).
// Nothing outside this list is exempt from validation.

export type AllowedAnswer = {
  /** what is allowed, in a sentence */
  reason: string;
  /** the section of docs/okta-behaviour.md that documents the answer, and its public source */
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
    source:
      'docs/okta-behaviour.md §2.1 (core API "API token authentication"; error codes page E0000011; spec example ErrorInvalidTokenProvided)',
    status: 401,
    errorCode: 'E0000011',
    undeclaredStatus: true,
  },
  {
    reason: '405 E0000022 for a method a known path does not support',
    source: 'docs/okta-behaviour.md §1.5 (error codes page E0000022)',
    status: 405,
    errorCode: 'E0000022',
    undeclaredStatus: true,
  },
  {
    reason: '404 E0000007 for a path the emulator does not serve (no operation in the contract to validate against)',
    source: 'docs/okta-behaviour.md §1.5 (error codes page E0000007)',
    status: 404,
    errorCode: 'E0000007',
    undeclaredStatus: true,
    route: /^\(unknown\)$/,
  },
  {
    reason: '400 E0000031 on a bad filter/search expression of a list route',
    source:
      'docs/okta-behaviour.md §5.2 and §13 (error codes page E0000031; system-log-query reference: E0000031 for unsupported operators)',
    method: 'GET',
    route: /^\/api\/v1\/(users|groups|devices|logs|groups\/rules|apps)$/,
    status: 400,
    errorCode: 'E0000031',
    undeclaredStatus: true,
  },
  {
    reason: '400 E0000001 on a device lifecycle transition from the wrong state',
    source: 'docs/okta-behaviour.md §12 (old Devices reference, "Lifecycle operations")',
    method: 'POST',
    route: /^\/api\/v1\/devices\/\{deviceId\}\/lifecycle\/(activate|deactivate|suspend|unsuspend)$/,
    status: 400,
    errorCode: 'E0000001',
    undeclaredStatus: true,
  },
  {
    reason: '501 E0000060 Unsupported operation when adding a member to Everyone',
    source: 'docs/okta-behaviour.md §9.2 (okta/terraform-provider-okta#903; error codes page E0000060)',
    method: 'PUT',
    route: '/api/v1/groups/{groupId}/users/{userId}',
    status: 501,
    errorCode: 'E0000060',
    undeclaredStatus: true,
  },
  {
    reason:
      '409 E0000112 for changing a user who is still being activated: a second activate, a group add, an app assignment, a profile update',
    source:
      'docs/okta-behaviour.md §6.1 (error codes page E0000112 "Update activating user exception"; activateUser: activation is asynchronous)',
    route:
      /^\/api\/v1\/(users\/\{userId\}(\/lifecycle\/activate)?|groups\/\{groupId\}\/users\/\{userId\}|apps\/\{appId\}\/users)$/,
    status: 409,
    errorCode: 'E0000112',
    undeclaredStatus: true,
  },
  {
    reason: '404 E0000007 for the devices of an unknown or deactivated user: listUserDevices declares 400 but no 404',
    source:
      "docs/okta-behaviour.md §16 and §18 (okta/okta-sdk-java#646: a deactivated user's sub-resources answer 404 E0000007 (User))",
    method: 'GET',
    route: '/api/v1/users/{userId}/devices',
    status: 404,
    errorCode: 'E0000007',
    undeclaredStatus: true,
  },
  {
    reason:
      "An app's _embedded.user is the app user (string id, scope, status...), where the schema declares a map of objects",
    source:
      'docs/okta-behaviour.md §10.4 and §16 (the document\'s own example GetApplicationsByUserResponseEx; old reference, apps, "List applications assigned to a user")',
    method: 'GET',
    route: '/api/v1/apps',
    status: 200,
    schemaDefect: /^\/\d+\/_embedded\/user\/\w+ must be object$/,
  },
  {
    reason:
      'A standard role assignment matches both StandardRole and CustomRole, which the document tells apart only by its discriminator (Ajv reads oneOf without it); a body that matches neither still fails',
    source:
      'docs/okta-behaviour.md §16 and §17 (listAssignedRolesForUser: oneOf StandardRole, CustomRole with a discriminator mapping on type)',
    method: 'GET',
    route: '/api/v1/users/{userId}/roles',
    status: 200,
    schemaDefect: /^\/\d+ must match exactly one schema in oneOf$/,
  },
  {
    reason:
      "An IdP user's profile holds the IdP's attributes as strings (or null), where the schema declares a map of objects",
    source:
      "docs/okta-behaviour.md §16 and §20 (the document's own examples ListIdPUsersResponse and IdPAppUserResponse: firstName, email... as strings and nulls)",
    method: 'GET',
    route: /^\/api\/v1\/idps\/\{idpId\}\/users(\/\{userId\})?$/,
    status: 200,
    schemaDefect: /^(\/\d+)?\/profile\/\w+ must be object$/,
  },
  {
    reason: "Device status CREATED, which the DeviceStatus enum omits although the spec's own examples use it",
    source:
      "docs/okta-behaviour.md §12 and §16 (schema DeviceStatus lacks CREATED; the document's device examples and the old Devices reference use it)",
    route: /^\/api\/v1\/(devices|users\/\{userId\}\/devices)/,
    status: 200,
    schemaDefect: /\/status must be equal to one of the allowed values/,
  },
];
