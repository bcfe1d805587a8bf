// Serving certificate and port discovery for the demo's operator webhooks.
import { readFile } from "node:fs/promises";
import { createWebhookTls, writeOperatorCertDir } from "../local-cluster/webhook-tls.js";
import { pollUntil } from "../local-cluster/poll.js";

/** A serving certificate for 127.0.0.1 in `dir` (tls.crt, tls.key) and the caBundle to register webhooks with. */
export async function createServingCertificate(dir: string): Promise<{ dir: string; caBundle: string }> {
  const tls = await createWebhookTls();
  return { dir: await writeOperatorCertDir(tls, dir), caBundle: tls.caBundle };
}

/** Reads the webhook port from the operator's JSON log once it says it is serving. */
export async function waitForWebhookPort(logFile: string): Promise<number> {
  return pollUntil(
    "the operator to serve its admission webhooks",
    async () => {
      const text = await readFile(logFile, "utf8").catch(() => "");
      for (const line of text.split("\n")) {
        if (!line.includes("Serving admission webhooks")) continue;
        const port = (JSON.parse(line) as { webhookPort?: unknown }).webhookPort;
        if (typeof port === "number") return port;
      }
      return undefined;
    },
    { timeoutMs: 60_000 },
  );
}
