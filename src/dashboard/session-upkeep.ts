import type { Logger } from "../runtime/logging.js";
import type { ProxySessions } from "./proxy-sessions.js";
import type { SessionStore } from "./sessions.js";

/** What keeps sessions honest while the dashboard runs; `stop()` ends it. */
export interface SessionUpkeep {
  stop(): void;
}

/**
 * Ends idle sessions every 30 seconds (and forgets the proxy's tokens of ended ones), and reviews every open
 * session's token again every `recheckSeconds`, so a token revoked while a page is open ends its session without a
 * click. Reviews never overlap; a failed review is logged and tried at the next round.
 */
export function startSessionUpkeep(
  sessions: SessionStore,
  proxied: ProxySessions,
  recheckSeconds: number,
  log: Logger,
): SessionUpkeep {
  const sweeper = setInterval(() => {
    sessions.sweep();
    proxied.sweep();
  }, 30_000);
  sweeper.unref();
  let rechecking = false;
  const recheck = (): void => {
    if (rechecking) return;
    rechecking = true;
    sessions
      .recheck((error, session) =>
        log.warn({ err: error, user: session.identity.username }, "Failed to review a session's token again"),
      )
      .then(
        (ended) => {
          if (ended > 0) log.info({ ended }, "Ended sessions whose tokens the API server no longer accepts");
        },
        (error: unknown) => log.error({ err: error }, "Failed to review the sessions' tokens again"),
      )
      .finally(() => (rechecking = false));
  };
  const rechecker = setInterval(recheck, recheckSeconds * 1000);
  rechecker.unref();
  return {
    stop() {
      clearInterval(sweeper);
      clearInterval(rechecker);
    },
  };
}
