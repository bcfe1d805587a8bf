import { createHash, timingSafeEqual } from "node:crypto";
import { unwatchFile, watchFile, type Stats } from "node:fs";
import { readFile } from "node:fs/promises";
import type { Logger } from "../runtime/logging.js";

/** The tokens of a token file: one per non-empty line, surrounding whitespace (and a CR) trimmed. */
export function parseTokenFile(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

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
  const candidate = digest(presented);
  let matched = false;
  for (const known of accepted) matched = timingSafeEqual(candidate, known) || matched;
  return matched;
}

/** The outcome of checking a request's Authorization header. */
export type TokenCheck = "accepted" | "missing" | "wrong";

/**
 * The bearer tokens in a file mounted from a Secret, re-read when the file changes (Secret volumes are updated in
 * place by the kubelet), so a token can be rotated by adding the new one, moving senders over, then removing
 * the old. Only digests are held; a token is never logged.
 */
export class TokenFile {
  private accepted: Buffer[] = [];
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
   * Reads the file and starts watching it (every `intervalMs`). Rejects when the file cannot be read or holds no
   * token, so a mis-mounted Secret stops the start instead of refusing every sender later.
   */
  static async open(path: string, options: { intervalMs: number; log: Logger }): Promise<TokenFile> {
    const file = new TokenFile(path, options.log);
    const tokens = parseTokenFile(await readFile(path, "utf8"));
    if (tokens.length === 0) throw new Error(`the token file ${path} holds no token (one token per line)`);
    file.accepted = tokens.map(digest);
    watchFile(path, { interval: options.intervalMs, persistent: false }, file.onChange);
    return file;
  }

  /** How many tokens are accepted now. */
  get size(): number {
    return this.accepted.length;
  }

  /** Checks an Authorization header against the tokens read last. */
  check(authorization: string | undefined): TokenCheck {
    const token = bearerToken(authorization);
    if (token === undefined) return "missing";
    return tokenMatches(token, this.accepted) ? "accepted" : "wrong";
  }

  /**
   * Re-reads the file now. A file that cannot be read keeps the previous tokens (a Secret swap in progress); a
   * file with no token accepts none, since emptying the Secret is how an operator revokes every sender.
   */
  async reload(): Promise<void> {
    if (this.stopped) return;
    try {
      const tokens = parseTokenFile(await readFile(this.path, "utf8"));
      this.accepted = tokens.map(digest);
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
