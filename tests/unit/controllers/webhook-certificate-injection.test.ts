// Where the operator writes its CA: every entry of its configuration that calls it, and nothing else; the patch is
// pinned to the version it was computed from.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { describe, it } from "node:test";
import {
  caInjection,
  everyCaBundleHolds,
} from "../../../src/controllers/webhook-certificate/ca-injection.js";
import { issueCertificate } from "../../../src/runtime/x509/issue.js";

const target = { service: { namespace: "stagegate-system", name: "stagegate-webhook" } };
const service = (path: string) => ({
  service: { namespace: "stagegate-system", name: "stagegate-webhook", path },
});
const configuration = (webhooks: unknown[]) => ({ metadata: { name: "c", resourceVersion: "42" }, webhooks });
const ca = issueCertificate({
  commonName: "ca",
  notBefore: new Date("2030-01-01T00:00:00Z"),
  notAfter: new Date("2031-01-01T00:00:00Z"),
  isCA: true,
});
const BUNDLE = Buffer.from(ca.certPem).toString("base64");

describe("injecting the CA bundle", () => {
  it("sets it on every entry that calls the operator, pinned to the resourceVersion, and on nothing else", () => {
    const { patch, foreign } = caInjection(
      configuration([
        { name: "a", clientConfig: service("/validate/a") },
        { name: "elsewhere", clientConfig: { url: "https://other.example/validate", caBundle: "b3RoZXI=" } },
        {
          name: "other-service",
          clientConfig: { service: { namespace: "x", name: "stagegate-webhook", path: "/v" } },
        },
        { name: "b", clientConfig: { ...service("/validate/b"), caBundle: "b2xk" } },
      ]),
      BUNDLE,
      target,
    );
    assert.deepEqual(patch, [
      { op: "replace", path: "/metadata/resourceVersion", value: "42" },
      { op: "add", path: "/webhooks/0/clientConfig/caBundle", value: BUNDLE },
      { op: "add", path: "/webhooks/3/clientConfig/caBundle", value: BUNDLE },
    ]);
    assert.deepEqual(foreign, ["elsewhere", "other-service"]);
  });

  it("writes nothing where every entry already holds the bundle", () => {
    const { patch } = caInjection(
      configuration([{ name: "a", clientConfig: { ...service("/validate/a"), caBundle: BUNDLE } }]),
      BUNDLE,
      target,
    );
    assert.equal(patch, undefined);
  });

  it("with a URL target, only entries under that URL are the operator's", () => {
    const url = { url: "https://127.0.0.1:9443" };
    const { patch, foreign } = caInjection(
      configuration([
        { name: "a", clientConfig: { url: "https://127.0.0.1:9443/mutate/a" } },
        { name: "b", clientConfig: { url: "https://127.0.0.1:94430/mutate/b" } },
      ]),
      BUNDLE,
      url,
    );
    assert.equal(patch?.length, 2);
    assert.deepEqual(foreign, ["b"]);
  });

  it("counts a next CA as published only once every entry calling the operator holds it", () => {
    const cert = new X509Certificate(ca.certPem);
    const holds = (caBundle?: string) =>
      configuration([
        { name: "a", clientConfig: { ...service("/a"), caBundle: BUNDLE } },
        { name: "b", clientConfig: { ...service("/b"), ...(caBundle === undefined ? {} : { caBundle }) } },
        { name: "x", clientConfig: { url: "https://other.example/x" } },
      ]);
    assert.equal(everyCaBundleHolds([holds(BUNDLE)], cert, target), true);
    assert.equal(everyCaBundleHolds([holds()], cert, target), false);
    assert.equal(everyCaBundleHolds([], cert, target), false, "no entry: nothing was seen to trust it");
  });
});
