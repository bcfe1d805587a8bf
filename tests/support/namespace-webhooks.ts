// The shipped admission webhooks served in the test process and registered with the real API server for one
// namespace only, for tests that run the controllers (or the operator) without webhooks of their own: the API
// server then stamps requesters and decisions there exactly as in production.
import { randomBytes } from "node:crypto";
import { EnvironmentSpec } from "../../src/api/v1alpha1/environment.js";
import type { AuditRecorder } from "../../src/audit/recorder.js";
import { resources } from "../../src/controllers/resources.js";
import { isNotFound } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin, collectionPath } from "../../src/runtime/kube/resource.js";
import { silentLogger } from "../../src/runtime/logging.js";
import { startWebhookServer } from "../../src/webhooks/server.js";
import { registerLocalWebhooks } from "../../hack/local-cluster/webhooks.js";
import { createWebhookTls } from "../../hack/local-cluster/webhook-tls.js";
import { waitFor } from "./kube.js";
import { testRollbackSeal } from "./rollback-seal.js";

/** Webhooks serving one namespace; `stop()` unregisters and closes them. */
export interface NamespaceWebhooks {
  stop(): Promise<void>;
}

/**
 * Labels `namespace`, serves the webhooks in this process with `audit` as their trail, registers the shipped
 * configurations for that label, and waits until the API server calls them (a dry-run ChangeRequest comes back
 * stamped with its requester).
 */
export async function serveWebhooksFor(
  admin: KubeClient,
  namespace: string,
  audit: AuditRecorder,
): Promise<NamespaceWebhooks> {
  const id = randomBytes(3).toString("hex");
  const label = { "stagegate.io/test-webhooks": id };
  await admin.patch(
    builtin.namespace,
    namespace,
    undefined,
    { metadata: { labels: label } },
    { type: "merge" },
  );
  const tls = await createWebhookTls();
  const server = await startWebhookServer({
    address: "127.0.0.1:0",
    certFile: tls.certFile,
    keyFile: tls.keyFile,
    audit,
    log: silentLogger,
    // The local cluster's operator identity: the controllers these tests run act as it.
    operatorUsername: "stagegate-operator",
    // The tests' seal key, as the operators these tests start use: their creator stamps verify there.
    creatorSeal: testRollbackSeal.creators,
    lookupEnvironment: async (name) => {
      try {
        return EnvironmentSpec.parse((await admin.get(resources.environment, name)).spec);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
  });
  const registered = await registerLocalWebhooks(admin, {
    name: `ns-${id}`,
    baseUrl: `https://127.0.0.1:${server.port}`,
    caBundle: tls.caBundle,
    namespaceLabels: label,
  });
  const stop = async (): Promise<void> => {
    await registered.unregister();
    await server.close();
    await tls.remove();
  };
  try {
    await waitFor("the API server to call the namespace's webhooks", async () => {
      const probe = await admin.transport.request({
        method: "POST",
        path: collectionPath(resources.changeRequest, namespace),
        query: { dryRun: "All" },
        body: {
          apiVersion: "stagegate.io/v1alpha1",
          kind: "ChangeRequest",
          metadata: { name: `webhook-probe-${id}`, namespace },
          spec: {
            releaseRef: { name: "probe" },
            environment: "probe",
            type: "Normal",
            justification: "Probe whether the webhooks are called.",
            plannedWindow: { start: "2030-01-01T00:00:00Z", end: "2030-01-01T01:00:00Z" },
          },
        },
      });
      const stamped = (probe as { spec?: { requestedBy?: { username?: string } } }).spec?.requestedBy
        ?.username;
      return stamped === undefined ? undefined : true;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}
