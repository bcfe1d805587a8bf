import { ApiError, TransportError, isForbidden, isInvalid, isNotFound } from "../runtime/kube/api-error.js";
import { EXIT, type ExitCode } from "./verb.js";

/**
 * The user typed something the verb cannot accept; the message names the flag or argument and the fix. Exit 2.
 * `showUsage` asks the dispatcher to print the verb's whole usage (for unknown flags and missing arguments).
 */
export class UsageError extends Error {
  override readonly name = "UsageError";

  constructor(
    message: string,
    readonly showUsage = false,
  ) {
    super(message);
  }
}

/** The verb ran but could not do what was asked (missing object, already decided, unreadable kubeconfig). Exit 1. */
export class CommandError extends Error {
  override readonly name = "CommandError";
}

/** A message and exit code for an error a verb let escape. */
export interface ReportedError {
  readonly message: string;
  readonly code: ExitCode;
  readonly showUsage: boolean;
}

const REQUEST_PREFIX = /^(GET|POST|PUT|PATCH|DELETE) \S+: /;

/** The API server's own message without the client's `METHOD /path:` prefix: it names the rule that refused. */
export function serverMessage(err: ApiError): string {
  return err.message.replace(REQUEST_PREFIX, "");
}

/** Ends a server message with a full stop, so a hint can follow it. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** Turns an API error into a sentence that keeps the server's words and adds what to do about the status. */
export function describeApiError(err: ApiError, action: string): string {
  const said = serverMessage(err);
  if (isForbidden(err)) {
    // RBAC says "User "x" cannot patch resource ..."; webhooks and policies name their own rule and fix.
    const rbac = / cannot [a-z]+ resource /.test(said);
    const hint = rbac
      ? " Ask a cluster administrator for the Stagegate role you need (see docs/rbac.md)."
      : "";
    return `The API server refused to ${action} (Forbidden): ${sentence(said)}${hint}`;
  }
  if (isInvalid(err)) return `The API server refused to ${action} (Invalid): ${said}`;
  if (isNotFound(err)) return `Could not ${action} (NotFound): ${said}`;
  if (err.status === 401) {
    return `The API server did not accept your credentials (Unauthorized): ${sentence(said)} Check --kubeconfig.`;
  }
  return `The API server refused to ${action} (${err.reason}, HTTP ${err.status}): ${said}`;
}

/**
 * Runs one step of a verb, turning an API error into a CommandError that says which step the server refused
 * and keeps the server's message (which names the rule: RBAC, a webhook rule, a CEL message).
 */
export async function explainApiErrors<T>(action: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof ApiError) throw new CommandError(describeApiError(err, action), { cause: err });
    throw err;
  }
}

/**
 * How the dispatcher reports an error that escaped a verb: usage errors exit 2, known failures 1. Anything
 * else is a bug and is returned as undefined, so the caller rethrows it with its stack.
 */
export function reportError(err: unknown): ReportedError | undefined {
  if (err instanceof UsageError) return { message: err.message, code: EXIT.usage, showUsage: err.showUsage };
  if (err instanceof CommandError) return { message: err.message, code: EXIT.failed, showUsage: false };
  if (err instanceof ApiError) {
    return { message: describeApiError(err, "do that"), code: EXIT.failed, showUsage: false };
  }
  if (err instanceof TransportError) {
    return {
      message: `Could not reach the API server: ${err.message}. Check --kubeconfig and that the cluster is up.`,
      code: EXIT.failed,
      showUsage: false,
    };
  }
  return undefined;
}
