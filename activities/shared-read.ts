// An org-wide Okta read that every run asks for and that changes rarely (the authorization servers' token
// policies, the group rules): one read answers every run of this worker for a while, instead of one per run.
// A layoff of a thousand people then lists the org's group rules a few times, not a thousand (each listing
// is every page of them), and leaves that budget to the calls only one person's run can make.

/** Reads `read` at most once per `ttlMs` (0: every time); callers within that window share the answer, even in flight. */
export function sharedRead<T>(ttlMs: number, read: () => Promise<T>): () => Promise<T> {
  let cached: { at: number; answer: Promise<T> } | undefined;
  return () => {
    if (ttlMs <= 0) return read();
    if (!cached || Date.now() - cached.at > ttlMs) {
      const answer = read();
      cached = { at: Date.now(), answer };
      // A failed read is not kept: the next caller (or the activity's retry) asks Okta again.
      void answer.catch(() => {
        if (cached?.answer === answer) cached = undefined;
      });
    }
    return cached.answer;
  };
}
