import { createHash, timingSafeEqual } from "node:crypto";
import { unwatchFile, watchFile, type Stats } from "node:fs";
import { readFile } from "node:fs/promises";
import type { Logger } from "../runtime/logging.js";
import { parseScopedTokenFile, type TokenScope } from "./token-scope.js";

/** The token of an `Authorization: Bearer <token>` header; undefined when absent or of another scheme. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "");
  return match?.[1];
}

const digest = (token: string): Buffer => createHash("sha256").update(token, "utf8").digest();

/**
 * Whether `presented` is one of the accepted tokens (given as SHA-256 digests). Digests have equal length, so
 * `timingSafeEqual` applies, and every digest is compared, so the time taken says nothing about which token
 * matched or how much of one did.
 */
export function tokenMatches(presented: string, accepted: readonly Buffer[]): boolean {
  return matchingIndex(presented, accepted) !== undefined;
}

/** The index of the accepted digest `presented` matches, compared in constant time over every digest. */
function matchingIndex(presented: string, accepted: readonly Buffer[]): number | undefined {
  const candidate = digest(presented);
  let matched: number | undefined;
  accepted.forEach((known, index) => {
    if (timingSafeEqual(candidate, known)) matched = index;
  });
  return matched;
}

/** The outcome of checking a request's Authorization header. */
export type TokenCheck = "accepted" | "missing" | "wrong";

/** Who a request's bearer token says its sender is: the token's scope, or why there is none. */
export type TokenIdentity = { check: "accepted"; scope: TokenScope } | { check: "missing" | "wrong" };

/** A loaded token: its digest and its scope (the secret itself is never kept). */
interface AcceptedToken {
  digest: Buffer;
  scope: TokenScope;
}

/**
 * The scoped bearer tokens in a file mounted from a Secret (see {@link parseScopedTokenFile}), re-read when the
 * file changes (Secret volumes are updated in place by the kubelet), so a token can be rotated by adding the new
 * one, moving senders over, then removing the old. Only digests are held; a token is never logged.
 */
export class TokenFile {
  private accepted: AcceptedToken[] = [];
  private loading: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly onChange = (current: Stats, previous: Stats): void => {
    if (
      current.mtimeMs !== previous.mtimeMs ||
      current.ino !== previous.ino ||
      current.size !== previous.size
    ) {
      this.loading = this.loading.then(() => this.reload());
    }
  };

  private constructor(
    readonly path: string,
    private readonly log: Logger,
  ) {}

  /**
   * Reads the file and starts watching it (every `intervalMs`). Rejects when the file cannot be read, is not a
   * scoped token file (naming the fix), or holds no token, so a mis-mounted Secret stops the start instead of
   * refusing every sender later.
   */
  static async open(path: string, options: { intervalMs: number; log: Logger }): Promise<TokenFile> {
    const file = new TokenFile(path, options.log);
    const tokens = load(await readFile(path, "utf8"), path);
    if (tokens.length === 0) throw new Error(`the token file ${path} holds no token (tokens: is empty)`);
    file.accepted = tokens;
    watchFile(path, { interval: options.intervalMs, persistent: false }, file.onChange);
    return file;
  }

  /** How many tokens are accepted now. */
  get size(): number {
    return this.accepted.length;
  }

  /** Checks an Authorization header against the tokens read last. */
  check(authorization: string | undefined): TokenCheck {
    return this.identify(authorization).check;
  }

  /** The scope of the token an Authorization header carries, when it is one of the tokens read last. */
  identify(authorization: string | undefined): TokenIdentity {
    const token = bearerToken(authorization);
    if (token === undefined) return { check: "missing" };
    const index = matchingIndex(
      token,
      this.accepted.map((entry) => entry.digest),
    );
    const entry = index === undefined ? undefined : this.accepted[index];
    return entry === undefined ? { check: "wrong" } : { check: "accepted", scope: entry.scope };
  }

  /**
   * Re-reads the file now. A file that cannot be read or parsed keeps the previous tokens (a Secret swap in
   * progress); a file with no token accepts none, since emptying the Secret is how an operator revokes every
   * sender.
   */
  async reload(): Promise<void> {
    if (this.stopped) return;
    try {
      const tokens = load(await readFile(this.path, "utf8"), this.path);
      this.accepted = tokens;
      if (tokens.length === 0) {
        this.log.warn(
          { tokenFile: this.path },
          "Reloaded the token file: it holds no token, so every sender is refused",
        );
      } else {
        this.log.info({ tokenFile: this.path, tokens: tokens.length }, "Reloaded the token file");
      }
    } catch (error) {
      this.log.warn(
        { tokenFile: this.path, err: (error as Error).message },
        "Kept the previous tokens: the token file cannot be read",
      );
    }
  }

  /** Stops watching the file. */
  close(): void {
    this.stopped = true;
    unwatchFile(this.path, this.onChange);
  }
}

/** Parses a token file into digests and scopes (throws naming the fix when it is not a scoped token file). */
function load(text: string, path: string): AcceptedToken[] {
  return parseScopedTokenFile(text, path).map(({ token, ...scope }) => ({ digest: digest(token), scope }));
}
