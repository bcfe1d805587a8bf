// The certificates the operator issues for its own webhooks, checked by three independent parsers and verifiers:
// Node's X509Certificate, the openssl command (chain and purpose), and a real TLS handshake with hostname checks.
// (Go's crypto/x509 checks them in tests/integration/certificates, where the real API server calls the webhook.)
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { objectIdentifier, smallInteger, time, unsignedInteger } from "../../../src/runtime/x509/der.js";
import { issueCertificate, ipAddressBytes, type PemPair } from "../../../src/runtime/x509/issue.js";

const run = promisify(execFile);
const NOW = new Date("2030-06-01T12:00:00Z");
const hours = (n: number) => new Date(NOW.getTime() + n * 3_600_000);

describe("DER encoding", () => {
  it("encodes what X.690 examples and RFC 5280 say", () => {
    assert.equal(objectIdentifier("1.2.840.10045.4.3.2").toString("hex"), "06082a8648ce3d040302");
    assert.equal(smallInteger(2).toString("hex"), "020102");
    assert.equal(smallInteger(0).toString("hex"), "020100");
    assert.equal(unsignedInteger(Buffer.from([0x00, 0x00, 0x80])).toString("hex"), "02020080");
    assert.equal(time(new Date("2049-12-31T23:59:59.999Z")).toString("ascii").slice(2), "491231235959Z");
    assert.equal(time(new Date("2050-01-01T00:00:00Z")).toString("ascii").slice(2), "20500101000000Z");
  });

  it("writes IP addresses as their bytes", () => {
    assert.equal(ipAddressBytes("127.0.0.1").toString("hex"), "7f000001");
    assert.equal(ipAddressBytes("::1").toString("hex"), `${"0".repeat(31)}1`);
    assert.equal(ipAddressBytes("fd00::a:1").toString("hex"), "fd0000000000000000000000000a0001");
  });
});

describe("issued certificates", () => {
  let dir = "";
  let ca: PemPair;
  let serving: PemPair;
  const hosts = ["stagegate-webhook.stagegate-system.svc", "localhost", "127.0.0.1", "::1"];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "stagegate-x509-"));
    const now = new Date();
    ca = issueCertificate({
      commonName: "stagegate-webhook-ca@1",
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + 3_600_000),
      isCA: true,
    });
    serving = issueCertificate({
      commonName: "stagegate-webhook",
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + 600_000),
      isCA: false,
      hosts,
      issuer: ca,
    });
    await writeFile(join(dir, "ca.crt"), ca.certPem);
    await writeFile(join(dir, "tls.crt"), serving.certPem);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("makes a self-signed CA that may sign, with the dates asked for", () => {
    const cert = new X509Certificate(
      issueCertificate({ commonName: "x", notBefore: NOW, notAfter: hours(24), isCA: true }).certPem,
    );
    assert.equal(cert.ca, true);
    assert.equal(cert.subject, "CN=x");
    assert.equal(cert.issuer, "CN=x");
    assert.ok(cert.verify(cert.publicKey), "self-signed");
    assert.equal(cert.validFromDate.toISOString(), NOW.toISOString());
    assert.equal(cert.validToDate.toISOString(), hours(24).toISOString());
  });

  it("makes a server certificate signed by the CA, for exactly its hosts, for server authentication only", () => {
    const cert = new X509Certificate(serving.certPem);
    const issuer = new X509Certificate(ca.certPem);
    assert.equal(cert.ca, false);
    assert.ok(cert.checkIssued(issuer));
    assert.ok(cert.verify(issuer.publicKey));
    assert.equal(
      cert.subjectAltName,
      "DNS:stagegate-webhook.stagegate-system.svc, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1",
    );
    assert.deepEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.1"]);
    assert.ok(cert.checkHost("stagegate-webhook.stagegate-system.svc"));
    assert.equal(cert.checkHost("stagegate-webhook.other.svc"), undefined);
  });

  it("gives every certificate a fresh key and serial", () => {
    const again = issueCertificate({ commonName: "x", notBefore: NOW, notAfter: hours(1), isCA: true });
    const first = issueCertificate({ commonName: "x", notBefore: NOW, notAfter: hours(1), isCA: true });
    assert.notEqual(
      new X509Certificate(again.certPem).serialNumber,
      new X509Certificate(first.certPem).serialNumber,
    );
    assert.notEqual(again.keyPem, first.keyPem);
  });

  it("passes openssl verify as a TLS server certificate of the CA", async () => {
    const { stdout } = await run("openssl", [
      "verify",
      "-CAfile",
      join(dir, "ca.crt"),
      "-purpose",
      "sslserver",
      join(dir, "tls.crt"),
    ]);
    assert.match(stdout, /tls\.crt: OK/);
    const other = issueCertificate({ commonName: "other", notBefore: NOW, notAfter: hours(1), isCA: true });
    await writeFile(join(dir, "other.crt"), other.certPem);
    await assert.rejects(
      run("openssl", ["verify", "-CAfile", join(dir, "other.crt"), join(dir, "tls.crt")]),
      /unable to get local issuer certificate/,
    );
  });

  it("serves TLS that a client trusting the CA accepts for the service name, and refuses for another name", async () => {
    const server = https.createServer({ cert: serving.certPem, key: serving.keyPem }, (_req, res) =>
      res.end("ok"),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const get = (servername: string) =>
      new Promise<string>((resolve, reject) => {
        https
          .get({ host: "127.0.0.1", port, ca: ca.certPem, servername, agent: false }, (res) => {
            res.resume();
            res.on("end", () => resolve(String(res.statusCode)));
          })
          .on("error", reject);
      });
    try {
      assert.equal(await get("stagegate-webhook.stagegate-system.svc"), "200");
      await assert.rejects(get("elsewhere.example"), /does not match certificate's altnames/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
