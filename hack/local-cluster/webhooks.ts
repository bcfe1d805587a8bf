import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { isNotFound } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { ResourceType } from "../../src/runtime/kube/resource.js";

/** The shipped webhook configurations; tests register exactly these, pointed at an in-process server. */
export const WEBHOOK_CONFIG_DIR = join(import.meta.dirname, "..", "..", "config", "webhook");

const CONFIGURATION_TYPES = {
  MutatingWebhookConfiguration: {
    group: "admissionregistration.k8s.io",
    version: "v1",
    plural: "mutatingwebhookconfigurations",
    kind: "MutatingWebhookConfiguration",
    namespaced: false,
  },
  ValidatingWebhookConfiguration: {
    group: "admissionregistration.k8s.io",
    version: "v1",
    plural: "validatingwebhookconfigurations",
    kind: "ValidatingWebhookConfiguration",
    namespaced: false,
  },
} as const satisfies Record<string, ResourceType>;

type ConfigurationKind = keyof typeof CONFIGURATION_TYPES;

interface WebhookEntry {
  name: string;
  clientConfig: { service?: { path?: string }; url?: string; caBundle?: string };
  namespaceSelector?: unknown;
  [field: string]: unknown;
}

interface Configuration {
  apiVersion: string;
  kind: ConfigurationKind;
  metadata: { name: string; labels?: Record<string, string> };
  webhooks: WebhookEntry[];
}

/** Reads the webhook configurations from config/webhook/ (other objects there, such as the Service, are skipped). */
export function shippedWebhookConfigurations(dir = WEBHOOK_CONFIG_DIR): Configuration[] {
  return readdirSync(dir)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), "utf8")).map((doc) => doc.toJS() as unknown),
    )
    .filter(
      (obj): obj is Configuration =>
        typeof obj === "object" &&
        obj !== null &&
        Object.hasOwn(CONFIGURATION_TYPES, String((obj as { kind?: unknown }).kind)),
    );
}

/** Where and for whom a test registers the webhooks. */
export interface LocalWebhookRegistration {
  /** Unique per test file: prefixes the configuration names. */
  readonly name: string;
  /** `https://127.0.0.1:<port>` of the in-process server. */
  readonly baseUrl: string;
  readonly caBundle: string;
  /**
   * Only namespaces with these labels are sent to the webhooks, so concurrent test files are unaffected. Absent:
   * every namespace (a cluster of one's own, such as the demo's).
   */
  readonly namespaceLabels?: Record<string, string>;
}

/** A registration that can be taken back. */
export interface RegisteredWebhooks {
  readonly names: string[];
  unregister(): Promise<void>;
}

/**
 * Registers the shipped webhook configurations on a local cluster, renamed, pointed at `baseUrl` (an operator
 * running on this machine) with `caBundle`, and restricted to
 * namespaces with `namespaceLabels`. Everything else (rules, operations, failurePolicy, sideEffects, timeouts) is
 * exactly what ships.
 */
export async function registerLocalWebhooks(
  admin: KubeClient,
  registration: LocalWebhookRegistration,
): Promise<RegisteredWebhooks> {
  const created: { type: ResourceType; name: string }[] = [];
  for (const config of shippedWebhookConfigurations()) {
    const name = `${registration.name}-${config.metadata.name}`;
    const webhooks = config.webhooks.map((webhook) => ({
      ...webhook,
      clientConfig: {
        url: `${registration.baseUrl}${webhook.clientConfig.service?.path ?? ""}`,
        caBundle: registration.caBundle,
      },
      ...(registration.namespaceLabels === undefined
        ? {}
        : { namespaceSelector: { matchLabels: registration.namespaceLabels } }),
    }));
    const type = CONFIGURATION_TYPES[config.kind];
    await admin.create(type, { ...config, metadata: { ...config.metadata, name }, webhooks });
    created.push({ type, name });
  }
  return {
    names: created.map((c) => c.name),
    async unregister() {
      for (const { type, name } of created) {
        await admin.delete(type, name).catch((error: unknown) => {
          if (!isNotFound(error)) throw error;
        });
      }
    },
  };
}
