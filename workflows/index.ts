// The worker's workflowsPath: every workflow type the project registers.
export { offboardUser } from './offboard-user';
export { rehireUser } from './rehire-user';
export { pollOffboardingGroup } from './poll-offboarding-group';
export { offboardingGate } from './admission';
export { signatureSeen } from './signature-seen';
export { watchForDrift } from './drift-watch';
export { revokeReturnedAccess } from './drift-revoke';
