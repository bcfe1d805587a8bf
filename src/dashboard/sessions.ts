import { randomBytes, timingSafeEqual } from "node:crypto";
import type { KubeClient } from "../runtime/kube/client.js";
import type { Identity } from "../runtime/kube/self-review.js";

/** One signed-in user: who the API server says they are, a client acting with their token, and their CSRF token. */
export interface Session {
  readonly id: string;
  readonly identity: Identity;
  readonly client: KubeClient;
  /** Bound to this session; every POST must carry it. */
  readonly csrf: string;
  lastSeen: number;
  /** Ends what this session holds open (its live-update watches) when it ends. */
  readonly closers: Set<() => void>;
}

/** What a store needs: how long a session may sit idle, and the clock. */
export interface SessionStoreOptions {
  idleMs: number;
  now?: () => number;
}

const randomId = (): string => randomBytes(32).toString("base64url");

/** Whether two secrets are equal, in time independent of where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Server-side sessions: the browser holds only a random id (256 bits); the user's token stays here. A session
 * idle longer than `idleMs` is gone (its watches closed, its client closed) the next time anyone asks for it or at
 * the next sweep.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly now: () => number;

  constructor(private readonly options: SessionStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Opens a session for a user the API server authenticated, acting with `client` (their token). */
  open(identity: Identity, client: KubeClient): Session {
    const session: Session = {
      id: randomId(),
      identity,
      client,
      csrf: randomId(),
      lastSeen: this.now(),
      closers: new Set(),
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, its idle clock restarted; undefined when unknown or idle too long. */
  touch(id: string | undefined): Session | undefined {
    const session = this.peek(id);
    if (session !== undefined) session.lastSeen = this.now();
    return session;
  }

  /**
   * The live session with this id without restarting its idle clock: for the live-update stream, whose automatic
   * reconnects are not the person doing anything (an open, unattended tab must not keep a session alive).
   */
  peek(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    if (this.now() - session.lastSeen > this.options.idleMs) {
      this.end(id);
      return undefined;
    }
    return session;
  }

  /** Ends a session: closes its watches and its client, and forgets its token. */
  end(id: string): void {
    const session = this.sessions.get(id);
    if (session === undefined) return;
    this.sessions.delete(id);
    for (const close of session.closers) close();
    session.closers.clear();
    session.client.close();
  }

  /** Ends every session idle longer than allowed. */
  sweep(): void {
    const now = this.now();
    for (const [id, session] of this.sessions) {
      if (now - session.lastSeen > this.options.idleMs) this.end(id);
    }
  }

  /** Ends every session (shutdown). */
  endAll(): void {
    for (const id of [...this.sessions.keys()]) this.end(id);
  }

  /** How many sessions are open. */
  get size(): number {
    return this.sessions.size;
  }
}
