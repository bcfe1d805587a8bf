import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Identity } from "../runtime/kube/self-review.js";
import type { Session, SessionStore } from "./sessions.js";

/** A request the proxy sent that signs nobody in: the status to answer and why, in words. */
export interface ProxyRefusal {
  status: number;
  message: string;
}

/** What proxy sign-in needs: the session store, how to review a token, and how to open a session for one. */
export interface ProxySessionDeps {
  sessions: SessionStore;
  review(token: string): Promise<Identity | undefined>;
  open(identity: Identity, token: string): Session;
}

const BEARER = /^Bearer ([!-~]{1,16384})$/;

/**
 * Sessions of people behind an authenticating proxy (ADR 0043). Only requests that reached the proxy listener get
 * here, and that listener completes a TLS handshake only with a client certificate of the configured CA and one of
 * the allowed common names: the proxy proved itself before any header is read. Even then the dashboard believes no
 * identity header (`X-Remote-User`, `X-Forwarded-User`, ...): the proxy must forward the person's own bearer token
 * in `Authorization`, the API server says whom it authenticates (TokenReview), and every request is made with it,
 * as for a pasted token. A session is found again by a digest of the token, never by anything the browser sends.
 */
export class ProxySessions {
  private readonly byToken = new Map<string, string>();

  constructor(private readonly deps: ProxySessionDeps) {}

  /** The session of the person whose token the proxy forwarded (opened on first sight), or why there is none. */
  async find(req: IncomingMessage, live: boolean): Promise<Session | ProxyRefusal> {
    const match = BEARER.exec(req.headers.authorization ?? "");
    const token = match?.[1];
    if (token === undefined) {
      return {
        status: 401,
        message:
          "The authenticating proxy forwarded no bearer token. Configure it to pass the signed-in person's own " +
          "token in the Authorization header (oauth2-proxy: --pass-authorization-header); identity headers such " +
          "as X-Remote-User are never trusted.",
      };
    }
    const key = createHash("sha256").update(token).digest("base64url");
    const id = this.byToken.get(key);
    const known = live ? this.deps.sessions.peek(id) : this.deps.sessions.touch(id);
    if (known !== undefined) return known;
    this.byToken.delete(key);
    let identity: Identity | undefined;
    try {
      identity = await this.deps.review(token);
    } catch {
      return {
        status: 503,
        message:
          "The API server could not be asked about the forwarded token (TokenReview failed); try again.",
      };
    }
    if (identity === undefined) {
      return {
        status: 401,
        message:
          "The API server does not accept the token the proxy forwarded: it is unknown, expired or revoked.",
      };
    }
    const session = this.deps.open(identity, token);
    this.byToken.set(key, session.id);
    return session;
  }

  /** Forgets the tokens of sessions that ended (idle, signed out, revoked). */
  sweep(): void {
    for (const [key, id] of this.byToken) {
      if (this.deps.sessions.peek(id) === undefined) this.byToken.delete(key);
    }
  }
}
