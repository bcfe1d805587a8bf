import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { findFreePort } from "../../../hack/local-cluster/free-port.js";
import { createWebhookTls, type WebhookTls } from "../../../hack/local-cluster/webhook-tls.js";
import { judgeCertificates, parsePemCertificates } from "../../../src/cli/check/certificates.js";
import { probeWebhookTls } from "../../../src/cli/check/serving-certificate.js";

/** An HTTPS server with the test certificate, requiring a client certificate of its CA or not. */
async function serve(tls: WebhookTls, requireClientCert: boolean): Promise<{ url: string; close(): void }> {
  const server = https.createServer(
    {
      cert: readFileSync(tls.certFile),
      key: readFileSync(tls.keyFile),
      ...(requireClientCert
        ? { ca: readFileSync(tls.ca.certFile), requestCert: true, rejectUnauthorized: true }
        : {}),
    },
    (_req, res) => res.writeHead(200).end("ok"),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => server.close(),
  };
}

describe("stagegate check: the webhook server seen over TLS", () => {
  let tls: WebhookTls;
  before(async () => {
    tls = await createWebhookTls();
  });
  after(async () => {
    await tls.remove();
  });

  it("sees a server that requires a client certificate end the connection, and reads its chain", async () => {
    const server = await serve(tls, true);
    try {
      const probe = await probeWebhookTls(server.url);
      assert.equal(probe.answeredWithoutClientCertificate, false, probe.ending);
      assert.match(probe.ending, /CERTIFICATE_REQUIRED/);
      const [leaf] = parsePemCertificates(probe.chainPem ?? "");
      assert.equal(leaf?.fingerprint256, new X509Certificate(readFileSync(tls.certFile)).fingerprint256);
    } finally {
      server.close();
    }
  });

  it("sees a server that answers anyone", async () => {
    const server = await serve(tls, false);
    try {
      const probe = await probeWebhookTls(server.url);
      assert.equal(probe.answeredWithoutClientCertificate, true);
      assert.equal(probe.ending, "it answered HTTP 200");
    } finally {
      server.close();
    }
  });

  it("cannot tell for a server that is not there", async () => {
    const probe = await probeWebhookTls(`https://127.0.0.1:${await findFreePort()}`);
    assert.equal(probe.answeredWithoutClientCertificate, undefined);
    assert.equal(probe.chainPem, undefined);
    assert.match(probe.ending, /ECONNREFUSED/);
  });

  it("judges certificates against the clock and --min-cert-validity", () => {
    const cert = new X509Certificate(readFileSync(tls.certFile));
    const notAfter = new Date(cert.validTo).getTime();
    const notBefore = new Date(cert.validFrom).getTime();
    const found = [{ where: "the serving certificate", cert }];
    const week = 7 * 24 * 3_600_000;
    const at = (ms: number) => judgeCertificates(found, new Date(ms), week);
    assert.match(
      at(notAfter - 30 * 24 * 3_600_000).evidence[0] ?? "",
      /^The serving certificate .* is valid until .* \(30d 0h\)\.$/,
    );
    assert.match(
      at(notAfter - 2 * 3_600_000).problems[0] ?? "",
      /expires at .*, in 2h: less than --min-cert-validity \(7d 0h\)\.$/,
    );
    assert.match(at(notAfter + 60_000).problems[0] ?? "", /expired at .* \(1m ago\)\.$/);
    assert.match(at(notBefore - 60_000).problems[0] ?? "", /is not valid until /);
  });
});
