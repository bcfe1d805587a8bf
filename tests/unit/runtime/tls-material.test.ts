import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sameMaterial, type TlsMaterial } from "../../../src/runtime/kube/tls-material.js";

const pem = (text: string): Buffer =>
  Buffer.from(`-----BEGIN CERTIFICATE-----\n${text}\n-----END CERTIFICATE-----\n`);
const built: TlsMaterial = { ca: pem("ca"), cert: pem("cert"), key: pem("key"), rejectUnauthorized: true };

describe("sameMaterial: when the transport's keep-alive agent may be reused", () => {
  const rows: { asked: TlsMaterial; same: boolean; why: string }[] = [
    {
      asked: { ca: pem("ca"), cert: pem("cert"), key: pem("key"), rejectUnauthorized: true },
      same: true,
      why: "the same files read again (equal bytes, new buffers)",
    },
    { asked: { ...built, cert: pem("rotated") }, same: false, why: "a rotated client certificate" },
    { asked: { ...built, key: pem("rotated") }, same: false, why: "a rotated key" },
    { asked: { ...built, ca: pem("other-ca") }, same: false, why: "another CA" },
    { asked: { ...built, ca: [pem("ca")] }, same: false, why: "a CA given as a list instead of one buffer" },
    { asked: { ...built, rejectUnauthorized: false }, same: false, why: "verification switched off" },
    { asked: { ...built, servername: "kubernetes" }, same: false, why: "another TLS server name" },
    { asked: { ...built, cert: "cert" }, same: false, why: "a string where a buffer was" },
  ];
  for (const row of rows) {
    it(`${row.same ? "reuses" : "rebuilds"} for ${row.why}`, () => {
      assert.equal(sameMaterial(built, row.asked), row.same);
    });
  }

  it("compares lists element by element, and has no agent to reuse before the first", () => {
    const listed: TlsMaterial = { ca: [pem("a"), pem("b")] };
    assert.equal(sameMaterial(listed, { ca: [pem("a"), pem("b")] }), true);
    assert.equal(sameMaterial(listed, { ca: [pem("a")] }), false);
    assert.equal(sameMaterial(undefined, built), false);
  });
});
