import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { SHIPPED_OPERATOR_ROLE_FILE } from "../../../src/cli/check/shipped-rbac.js";
import { UsageError } from "../../../src/cli/errors.js";
import { checkVerb } from "../../../src/cli/verbs/check.js";
import { RUN_FLAGS } from "../../../src/cmd/config.js";

const ENV = { HOME: "/home/ann" };
const repo = path.join(import.meta.dirname, "..", "..", "..");

/** Every object of the YAML files of a config/ directory, as `kind/name`, with each object's namespace. */
function shipped(...files: string[]): { kind: string; name: string; namespace?: string }[] {
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(repo, "config", file), "utf8")).map((doc) => {
      const obj = doc.toJS() as { kind: string; metadata: { name: string; namespace?: string } };
      return { kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace };
    }),
  );
}

describe("stagegate check flags", () => {
  it("defaults to what config/ ships and what stagegate run defaults to", () => {
    const options = checkVerb.parse([], ENV);
    const objects = shipped(
      "rbac/operator-binding.yaml",
      "webhook/mutating-webhook-configuration.yaml",
      "webhook/validating-webhook-configuration.yaml",
      "webhook/service.yaml",
      "policy/closed-objects-immutable.yaml",
    );
    const named = (kind: string) => objects.find((o) => o.kind === kind);
    assert.equal(options.operatorNamespace, named("ServiceAccount")?.namespace);
    assert.equal(options.operatorNamespace, RUN_FLAGS["leader-election-namespace"].default);
    assert.equal(options.serviceAccount, named("ServiceAccount")?.name);
    assert.equal(options.lease, RUN_FLAGS["leader-election-id"].default);
    assert.equal(options.mutatingWebhookConfiguration, named("MutatingWebhookConfiguration")?.name);
    assert.equal(options.validatingWebhookConfiguration, named("ValidatingWebhookConfiguration")?.name);
    assert.equal(options.closedObjectsPolicy, named("ValidatingAdmissionPolicy")?.name);
    assert.equal(options.closedObjectsPolicy, RUN_FLAGS["closed-objects-policy"].default);
    const service = named("Service");
    assert.deepEqual(options.webhookService, { namespace: service?.namespace, name: service?.name });
    assert.equal(`${service?.namespace}/${service?.name}`, RUN_FLAGS["webhook-service"].default);
    assert.equal(options.webhookUrl, undefined);
    assert.equal(options.probeNamespace, options.operatorNamespace);
    assert.equal(options.probeAudit, false);
    assert.equal(options.minCertValidityMs, 168 * 3_600_000);
    assert.equal(options.operatorRole, SHIPPED_OPERATOR_ROLE_FILE);
    assert.equal(options.operatorRole, path.join(repo, "config", "rbac", "operator-role.yaml"));
    assert.equal(options.output, "text");
  });

  it("derives the webhook Service and probe namespace from --operator-namespace, and reads every flag", () => {
    const options = checkVerb.parse(
      [
        "--operator-namespace=platform",
        "--service-account=sg",
        "--lease=sg-lease",
        "--webhook-url=https://10.0.0.7:9443/",
        '--webhook-namespace-selector={"matchLabels":{"team":"a"}}',
        "--webhook-cert-secret=",
        "--min-cert-validity=720h",
        "--probe-audit",
        "-o",
        "json",
      ],
      ENV,
    );
    assert.deepEqual(options.webhookService, { namespace: "platform", name: "stagegate-webhook" });
    assert.equal(options.probeNamespace, "platform");
    assert.equal(options.webhookUrl, "https://10.0.0.7:9443");
    assert.deepEqual(options.webhookNamespaceSelector, { matchLabels: { team: "a" } });
    assert.equal(options.webhookCertSecret, "");
    assert.equal(options.minCertValidityMs, 720 * 3_600_000);
    assert.equal(options.probeAudit, true);
    assert.equal(options.output, "json");
  });

  const refused: [string, string[], RegExp][] = [
    [
      "a duration in days",
      ["--min-cert-validity", "7d"],
      /--min-cert-validity must be a duration such as 168h/,
    ],
    ["-n (the check is cluster-wide)", ["-n", "stagegate-system"], /--operator-namespace/],
    [
      "a plain-HTTP webhook URL",
      ["--webhook-url", "http://127.0.0.1:9443"],
      /--webhook-url must be an https:\/\//,
    ],
    [
      "a namespace that is no name",
      ["--operator-namespace", "Stage_Gate"],
      /^--operator-namespace must be a name/,
    ],
    [
      "a Service without its namespace",
      ["--webhook-service", "stagegate-webhook"],
      /--webhook-service must be/,
    ],
    [
      "a selector that is not JSON",
      ["--webhook-namespace-selector", "team=a"],
      /must be a JSON label selector/,
    ],
    ["an argument", ["everything"], /unexpected argument "everything"/],
    ["an unknown flag", ["--fix"], /unknown flag --fix for "stagegate check"/],
  ];
  for (const [what, argv, message] of refused) {
    it(`refuses ${what}, naming the flag`, () => {
      assert.throws(
        () => checkVerb.parse(argv, ENV),
        (err: unknown) => err instanceof UsageError && message.test(err.message),
      );
    });
  }
});
