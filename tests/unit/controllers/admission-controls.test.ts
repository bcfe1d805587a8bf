import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { createWebhookTls, type WebhookTls } from "../../../hack/local-cluster/webhook-tls.js";
import {
  checkAdmissionControls,
  type ExpectedAdmissionControls,
  type ObservedAdmissionControls,
} from "../../../src/controllers/admission-guard/admission-controls.js";

const expected: ExpectedAdmissionControls = {
  mutatingConfiguration: "m",
  validatingConfiguration: "v",
  paths: ["/mutate/changerequests", "/validate/changerequests"],
  target: { service: { namespace: "stagegate-system", name: "stagegate-webhook" } },
  closedObjectsPolicy: "p",
};

describe("checking the admission controls", () => {
  let tls: WebhookTls;
  let other: WebhookTls;
  let serving = "";
  before(async () => {
    [tls, other] = await Promise.all([createWebhookTls(), createWebhookTls()]);
    serving = await readFile(tls.certFile, "utf8");
  });
  after(async () => {
    await tls?.remove();
    await other?.remove();
  });

  const entry = (path: string, extra: Record<string, unknown> = {}) => ({
    name: `${path}.stagegate.io`,
    failurePolicy: "Fail",
    clientConfig: {
      service: { namespace: "stagegate-system", name: "stagegate-webhook", path },
      caBundle: tls.caBundle,
    },
    ...extra,
  });
  const world = (): ObservedAdmissionControls => ({
    mutating: { webhooks: [entry("/mutate/changerequests")] },
    validating: { webhooks: [entry("/validate/changerequests")] },
    policy: { spec: { failurePolicy: "Fail", validations: [{ expression: "true" }] } },
    binding: { spec: { policyName: "p", validationActions: ["Deny"] } },
    servingCertPem: serving,
  });

  const rows: [string, (w: ObservedAdmissionControls) => ObservedAdmissionControls, RegExp | undefined][] = [
    ["everything as shipped", (w) => w, undefined],
    [
      "a missing mutating configuration",
      (w) => ({ ...w, mutating: undefined }),
      /MutatingWebhookConfiguration m is missing/,
    ],
    [
      "a route no entry calls",
      (w) => ({ ...w, validating: { webhooks: [] } }),
      /ValidatingWebhookConfiguration v has no webhook calling \/validate\/changerequests/,
    ],
    [
      "failurePolicy Ignore",
      (w) => ({
        ...w,
        mutating: { webhooks: [entry("/mutate/changerequests", { failurePolicy: "Ignore" })] },
      }),
      /failurePolicy Ignore, not Fail/,
    ],
    [
      "another Service",
      (w) => ({
        ...w,
        mutating: {
          webhooks: [
            {
              ...entry("/mutate/changerequests"),
              clientConfig: {
                service: { namespace: "x", name: "evil", path: "/mutate/changerequests" },
                caBundle: tls.caBundle,
              },
            },
          ],
        },
      }),
      /does not point at this operator/,
    ],
    [
      "a caBundle of another CA",
      (w) => ({
        ...w,
        validating: {
          webhooks: [
            {
              ...entry("/validate/changerequests"),
              clientConfig: { ...entry("/validate/changerequests").clientConfig, caBundle: other.caBundle },
            },
          ],
        },
      }),
      /caBundle that does not verify/,
    ],
    [
      "a namespaceSelector that leaves namespaces out",
      (w) => ({
        ...w,
        validating: {
          webhooks: [
            entry("/validate/changerequests", { namespaceSelector: { matchLabels: { gated: "yes" } } }),
          ],
        },
      }),
      /namespaceSelector narrowing/,
    ],
    [
      "an objectSelector",
      (w) => ({
        ...w,
        validating: {
          webhooks: [entry("/validate/changerequests", { objectSelector: { matchLabels: { x: "y" } } })],
        },
      }),
      /objectSelector or matchConditions/,
    ],
    [
      "a policy set to Ignore",
      (w) => ({ ...w, policy: { spec: { failurePolicy: "Ignore", validations: [{}] } } }),
      /failurePolicy Fail/,
    ],
    [
      "a binding that only warns",
      (w) => ({ ...w, binding: { spec: { policyName: "p", validationActions: ["Warn"] } } }),
      /validationActions Deny/,
    ],
    [
      "a missing binding",
      (w) => ({ ...w, binding: undefined }),
      /ValidatingAdmissionPolicyBinding p is missing/,
    ],
  ];
  for (const [situation, change, problem] of rows) {
    it(`judges ${situation}`, () => {
      const verdict = checkAdmissionControls(change(world()), expected);
      if (problem === undefined) assert.deepEqual(verdict, { intact: true, problems: [] });
      else {
        assert.equal(verdict.intact, false);
        assert.match(verdict.problems.join(" "), problem);
      }
    });
  }
});
