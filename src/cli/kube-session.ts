import { access, constants } from "node:fs/promises";
import { delimiter } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { loadKubeConfig } from "../runtime/kube/kubeconfig.js";
import { KubeClient } from "../runtime/kube/client.js";
import { CommandError } from "./errors.js";
import { terminalWriter } from "./terminal-output.js";
import type { CliIo, KubeSession } from "./verb.js";

/**
 * Opens a session from a kubeconfig file as kubectl would: the current context's cluster, user and namespace
 * (`default` when the context names none). Fails with a message naming --kubeconfig when the file is unusable.
 */
export async function connectKubeSession(kubeconfig: string): Promise<KubeSession> {
  for (const file of kubeconfig.split(delimiter).filter((f) => f !== "")) {
    try {
      await access(file, constants.R_OK);
    } catch {
      throw new CommandError(
        `cannot read the kubeconfig ${file}: pass --kubeconfig FILE or set KUBECONFIG to a readable file.`,
      );
    }
  }
  let config: KubeConfig;
  try {
    config = loadKubeConfig(kubeconfig);
  } catch (err) {
    throw new CommandError(`the kubeconfig ${kubeconfig} does not load: ${(err as Error).message}`);
  }
  const current = config.getCurrentContext();
  const context = config.getContextObject(current);
  if (context === null) {
    throw new CommandError(
      `the kubeconfig ${kubeconfig} has no usable current-context ("${current}"): ` +
        "run kubectl config use-context NAME, or pass another --kubeconfig.",
    );
  }
  const client = KubeClient.fromKubeConfig(config);
  return { client, namespace: context.namespace ?? "default" };
}

/**
 * The I/O of a real terminal: process streams (stripped of escape sequences and control characters),
 * kubeconfig sessions and the wall clock.
 */
export function processIo(): CliIo {
  return {
    stdout: terminalWriter((text) => process.stdout.write(text)),
    stderr: terminalWriter((text) => process.stderr.write(text)),
    connect: connectKubeSession,
    now: () => new Date(),
  };
}

/**
 * Runs `fn` with a session and always closes its client afterwards, so no keep-alive socket holds the
 * process open after the verb has answered.
 */
export async function withSession<T>(
  io: CliIo,
  kubeconfig: string,
  fn: (session: KubeSession) => Promise<T>,
): Promise<T> {
  const session = await io.connect(kubeconfig);
  try {
    return await fn(session);
  } finally {
    session.client.close();
  }
}
