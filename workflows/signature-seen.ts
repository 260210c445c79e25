// A steering signature the intake accepted, remembered by its workflow id (`offboard-signature-<sha256>`,
// client/intake/signature.ts): the intake starts it with WorkflowIdReusePolicy REJECT_DUPLICATE, so a
// second start of the same id, from any replica or after a restart, fails while the namespace's
// retention keeps the closed run (days; the signature window is 300 s). The workflow itself does nothing.
export async function signatureSeen(): Promise<void> {}
