import { EnvironmentSpec } from "../../../src/api/v1alpha1/environment.js";
import { API_VERSION } from "../../../src/api/v1alpha1/group.js";
import type { AuditEvent } from "../../../src/audit/recorder.js";
import { resources } from "../../../src/controllers/resources.js";
import { isNotFound } from "../../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { silentLogger } from "../../../src/runtime/logging.js";
import { startWebhookServer, type WebhookServer } from "../../../src/webhooks/server.js";
import { uniqueSuffix } from "../api/api-test-helpers.js";
import { clientFor, waitFor } from "../../support/kube.js";
import { MemoryAudit } from "../../support/memory-audit.js";
import { bindTeamRoles } from "../../support/team-rbac.js";
import { registerLocalWebhooks, type RegisteredWebhooks } from "../../../hack/local-cluster/webhooks.js";
import { createWebhookTls, type WebhookTls } from "../../../hack/local-cluster/webhook-tls.js";
import { approvalManifest, changeRequestManifest, kubectlIn } from "./webhook-test-objects.js";

/** The emergency maxDuration of the harness's Environment. */
export const HARNESS_EMERGENCY_MAX_DURATION = "4h";

/**
 * One test file's webhooks against the real API server: an in-process server with an in-memory audit trail, the
 * shipped webhook configurations registered for one labelled namespace only (so concurrent files are unaffected),
 * and a regulated Environment whose emergency changes may last 4h.
 */
export interface WebhookHarness {
  readonly namespace: string;
  readonly environment: string;
  readonly audit: MemoryAudit;
  /** Moves the webhook's clock (not the API server's) by `ms` from real time. */
  setClockOffset(ms: number): void;
  /** The audit entries recorded after `mark` (a length of `audit.entries` taken earlier). */
  since(mark: number): AuditEvent[];
  stop(): Promise<void>;
}

/** Reads an Environment's spec through the API, as the operator's cache would serve it. */
function environmentLookup(admin: KubeClient) {
  return async (name: string): Promise<EnvironmentSpec | undefined> => {
    try {
      return EnvironmentSpec.parse((await admin.get(resources.environment, name)).spec);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
}

/**
 * Probes with dry runs (which record nothing) until the API server calls both the mutating and the validating
 * webhooks: it picks up new configurations asynchronously.
 */
async function waitUntilCalled(namespace: string): Promise<void> {
  await waitFor("the API server to call the test webhooks", async () => {
    const stamped = await kubectlIn(
      "bob",
      namespace,
      ["create", "--dry-run=server", "-o", "json", "-f", "-"],
      {
        ...changeRequestManifest("probe", { requestedBy: { username: "mallory" } }),
      },
    );
    const prefilled = await kubectlIn("admin", namespace, ["create", "--dry-run=server", "-f", "-"], {
      ...approvalManifest("probe", {
        decisions: { alice: { decision: "Approve", decidedAt: "2030-01-01T00:00:00Z" } },
      }),
    });
    const mutated = stamped.code === 0 && stamped.stdout.includes('"username": "bob"');
    return mutated && prefilled.stderr.includes("ApprovalPrefilled") ? true : undefined;
  });
}

/** Starts the harness; `prefix` names the namespace. Call `stop()` in `after`. */
export async function startWebhookHarness(prefix: string): Promise<WebhookHarness> {
  const run = uniqueSuffix();
  const labels = { "stagegate.io/webhook-test": run };
  const namespace = `${prefix}-${run}`;
  const environment = `webhook-test-${run}`;
  const audit = new MemoryAudit();
  let clockOffsetMs = 0;
  const admin = await clientFor("admin");
  let tls: WebhookTls | undefined;
  let server: WebhookServer | undefined;
  let registered: RegisteredWebhooks | undefined;
  const stop = async (): Promise<void> => {
    await registered?.unregister();
    await admin.delete(resources.environment, environment).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
    await admin.delete(builtin.namespace, namespace).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
    await server?.close();
    await tls?.remove();
    admin.close();
  };
  try {
    tls = await createWebhookTls();
    server = await startWebhookServer({
      address: "127.0.0.1:0",
      certFile: tls.certFile,
      keyFile: tls.keyFile,
      audit,
      log: silentLogger,
      clock: () => new Date(Date.now() + clockOffsetMs),
      lookupEnvironment: environmentLookup(admin),
    });
    await admin.create(builtin.namespace, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: namespace, labels },
    });
    await bindTeamRoles(admin, namespace);
    await admin.create(resources.environment, {
      apiVersion: API_VERSION,
      kind: "Environment",
      metadata: { name: environment },
      spec: {
        regulated: true,
        gate: {
          requiredApprovals: 1,
          emergency: { approverGroups: ["emergency-approvers"], maxDuration: HARNESS_EMERGENCY_MAX_DURATION },
        },
      },
    });
    registered = await registerLocalWebhooks(admin, {
      name: `test-${run}`,
      baseUrl: `https://127.0.0.1:${server.port}`,
      caBundle: tls.caBundle,
      namespaceLabels: labels,
    });
    await waitUntilCalled(namespace);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    namespace,
    environment,
    audit,
    setClockOffset: (ms) => {
      clockOffsetMs = ms;
    },
    since: (mark) => audit.entries.slice(mark),
    stop,
  };
}
