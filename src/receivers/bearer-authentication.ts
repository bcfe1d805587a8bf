import type { IncomingHttpHeaders } from "node:http";
import type { Logger } from "../runtime/logging.js";
import { refusal, type ReceiverAnswer } from "./answer.js";
import type { TokenCheck, TokenFile } from "./bearer-tokens.js";

const CHALLENGE = 'Bearer realm="stagegate"';

/** How a receiver route checks the bearer token of its callers, and what it tells those it refuses. */
export interface BearerAuthentication {
  /** The accepted tokens; undefined when no token file is configured (the route is then disabled). */
  tokens: TokenFile | undefined;
  /** The route's path, for example `/alertmanager`. */
  path: string;
  /** The operator flag that names the route's token file, for example `--alertmanager-token-file`. */
  tokenFileFlag: string;
  /** What a caller without a token should send, ending the refusal: "set … with a token from …". */
  missingTokenHint: string;
  log: Logger;
  /** The warning logged for a refused caller. */
  refusedMessage: string;
  /** Counts a refused caller in the route's metrics. */
  countRefused(): void;
}

/**
 * The bearer-token check of a receiver route, run before the body is read: undefined lets the request through;
 * otherwise 404 while the route is disabled, or 401 with a `WWW-Authenticate` challenge that says how to fix a
 * missing or unaccepted token (the refusal is logged and counted).
 */
export function authenticateBearer(
  auth: BearerAuthentication,
  headers: IncomingHttpHeaders,
): ReceiverAnswer | undefined {
  if (auth.tokens === undefined) {
    return refusal(
      404,
      "EndpointDisabled",
      `${auth.path} is disabled: start the operator with ${auth.tokenFileFlag} naming a file of ` +
        "bearer tokens (a mounted Secret) to enable it.",
    );
  }
  const check: TokenCheck = auth.tokens.check(headers.authorization);
  if (check === "accepted") return undefined;
  auth.countRefused();
  auth.log.warn({ path: auth.path, problem: check }, auth.refusedMessage);
  return check === "missing"
    ? refusal(401, "Unauthorized", `the request carries no bearer token: ${auth.missingTokenHint}`, {
        headers: { "WWW-Authenticate": CHALLENGE },
      })
    : refusal(
        401,
        "Unauthorized",
        `the bearer token is not accepted: use a token listed in the operator's ${auth.tokenFileFlag} ` +
          "(it may have been rotated out).",
        { headers: { "WWW-Authenticate": `${CHALLENGE}, error="invalid_token"` } },
      );
}
