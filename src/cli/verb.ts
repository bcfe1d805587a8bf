import type { KubeClient } from "../runtime/kube/client.js";

/** Exit codes of every CLI verb: 0 done, 1 failed or refused (by the server or a rule), 2 bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
/** One of the {@link EXIT} codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The environment variables a verb may read while parsing (KUBECONFIG, HOME); passed in, never global. */
export type CliEnv = Readonly<Record<string, string | undefined>>;

/** A connection to the API server as the kubeconfig's current user, with the context's default namespace. */
export interface KubeSession {
  readonly client: KubeClient;
  /** The current context's namespace, or `default` when the context names none. */
  readonly namespace: string;
}

/**
 * Everything a verb touches outside itself: output streams, the way to reach the cluster and the clock.
 * Tests pass their own, so a verb runs the same in a test as in a terminal.
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Opens a session from a kubeconfig file; called only by verbs that talk to the cluster. */
  connect(kubeconfig: string): Promise<KubeSession>;
  now(): Date;
}

/**
 * One CLI verb: `parse` turns argv (after the verb's name) into validated options or throws a UsageError that
 * names the flag, and `run` does the work and returns the exit code. Modelled on kargo's options -> validate -> run.
 */
export interface Verb<Options> {
  /** The words that select the verb, e.g. `approve` or `audit verify`. */
  readonly name: string;
  /** One line for `stagegate help`. */
  readonly summary: string;
  /** The full `--help` text: synopsis, description, flags and an example. */
  readonly usage: string;
  parse(argv: readonly string[], env: CliEnv): Options;
  run(options: Options, io: CliIo): Promise<ExitCode>;
}

/** Any verb, as the registry holds them; `run` accepts exactly what the same verb's `parse` returned. */
export type AnyVerb = Verb<unknown>;
