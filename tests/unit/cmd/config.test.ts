import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseRunConfig } from "../../../src/cmd/config.js";

describe("stagegate run configuration", () => {
  it("applies client-go's leader election defaults and the usual ports", () => {
    const config = parseRunConfig([], {});
    assert.equal(config.leaseDurationMs, 15_000);
    assert.equal(config.renewDeadlineMs, 10_000);
    assert.equal(config.retryPeriodMs, 2_000);
    assert.equal(config.probeAddress, ":8081");
    assert.equal(config.metricsAddress, ":8080");
    assert.equal(config.leaderElect, true);
    assert.equal(config.leaderElectionNamespace, "stagegate-system");
  });

  it("secures the operator's ports by default: metrics over HTTPS, webhook callers verified", () => {
    const config = parseRunConfig(["--webhook-cert-dir=/certs"], {});
    assert.equal(config.metricsSecure, true);
    assert.equal(config.metricsCertDir, "/certs");
    assert.equal(config.webhookClientCaFile, "/certs/client-ca.crt");
    assert.deepEqual(config.webhookClientNames, []);
    const named = parseRunConfig(["--webhook-client-names=kube-apiserver, apiserver-2"], {});
    assert.deepEqual(named.webhookClientNames, ["kube-apiserver", "apiserver-2"]);
  });

  it("takes flags over environment variables over defaults", () => {
    const env = { STAGEGATE_WORKERS: "8", STAGEGATE_LOG_LEVEL: "debug", POD_NAME: "pod-a" };
    const config = parseRunConfig(["--workers=2"], env);
    assert.equal(config.workers, 2);
    assert.equal(config.logLevel, "debug");
    assert.equal(config.identity, "pod-a");
  });

  it("reads the certificate from files unless the operator manages it, and derives its hosts from the webhook's address", () => {
    const files = parseRunConfig([], {});
    assert.equal(files.certSource, "files");
    assert.equal(files.metricsCertDir, "/tmp/k8s-webhook-server/serving-certs");
    const managed = parseRunConfig(["--cert-source=operator"], { POD_NAMESPACE: "ops" });
    assert.equal(managed.certSecret, "stagegate-webhook-certs");
    assert.equal(managed.certNamespace, "ops");
    assert.equal(managed.metricsCertDir, undefined, "/metrics serves the operator's certificate");
    assert.deepEqual(managed.certDnsNames, [
      "stagegate-webhook.stagegate-system.svc",
      "stagegate-webhook.stagegate-system.svc.cluster.local",
    ]);
    assert.equal(managed.certValidityMs, 2_160 * 3_600_000);
    assert.equal(managed.certRenewBeforeMs, 720 * 3_600_000);
    assert.equal(managed.certCaValidityMs, 17_520 * 3_600_000);
    assert.equal(managed.certCaRenewBeforeMs, 4_380 * 3_600_000);
    const local = parseRunConfig(["--cert-source=operator", "--webhook-url=https://[::1]:9443"], {});
    assert.deepEqual(local.certDnsNames, ["::1"]);
    const given = parseRunConfig(["--cert-dns-names=a.example, 10.0.0.1"], {});
    assert.deepEqual(given.certDnsNames, ["a.example", "10.0.0.1"]);
  });

  it("keeps the file trail unless a database is named, and takes the database's password from a file or a Secret", () => {
    const file = parseRunConfig([], {});
    assert.equal(file.auditDatabaseUrl, undefined);
    assert.equal(file.auditLog, "/var/lib/stagegate/audit.jsonl");
    const database = parseRunConfig(
      ["--audit-database-url=postgresql://stagegate@db:5432/stagegate", "--audit-database-password-file=/pw"],
      {},
    );
    assert.equal(database.auditDatabaseUrl, "postgresql://stagegate@db:5432/stagegate");
    assert.equal(database.auditDatabasePasswordFile, "/pw");
    const fromSecret = parseRunConfig([], { STAGEGATE_AUDIT_DATABASE_URL: "postgres://u:pw@db/stagegate" });
    assert.equal(fromSecret.auditDatabaseUrl, "postgres://u:pw@db/stagegate");
  });

  it("never repeats the audit database's password in an error", () => {
    assert.throws(
      () => parseRunConfig(["--audit-database-url=postgresql://stagegate:s3cret@db/stagegate"], {}),
      (err: unknown) => err instanceof ConfigError && !err.message.includes("s3cret"),
    );
  });

  const bad: [string, string[], RegExp][] = [
    ["an unknown flag", ["--wrokers=2"], /Unknown option '--wrokers'.*stagegate run --help/],
    ["a bad duration", ["--lease-duration=fifteen"], /--lease-duration must be a duration such as 15s/],
    ["a bad number", ["--workers=many"], /--workers must be a whole number/],
    ["zero workers", ["--workers=0"], /--workers must be at least 1/],
    ["a bad boolean", ["--leader-elect=yes"], /--leader-elect must be true or false, not "yes"/],
    ["a bad log level", ["--log-level=loud"], /--log-level must be one of/],
    ["a bad metrics-secure", ["--metrics-secure=yes"], /--metrics-secure must be true or false, not "yes"/],
    ["unsafe election timings", ["--renew-deadline=20s"], /--lease-duration must exceed --renew-deadline/],
    ["an unknown certificate source", ["--cert-source=vault"], /--cert-source must be files .* or operator/],
    [
      "a host that is no DNS name",
      ["--cert-dns-names=under_score.svc"],
      /--cert-dns-names must be DNS names or IP/,
    ],
    [
      "a renewal after the end",
      ["--cert-renew-before=3000h"],
      /--cert-renew-before must be shorter than --cert-validity/,
    ],
    [
      "an audit database that is not PostgreSQL",
      ["--audit-database-url=mysql://db/stagegate"],
      /--audit-database-url must be a postgresql:\/\/ URL/,
    ],
    [
      "a password in the audit database flag (shown in the process list)",
      ["--audit-database-url=postgresql://stagegate:s3cret@db/stagegate"],
      /--audit-database-url must not hold a password.*--audit-database-password-file/,
    ],
    [
      "a password file without a database",
      ["--audit-database-password-file=/secrets/password"],
      /--audit-database-password-file needs --audit-database-url/,
    ],
    [
      "a CA overlap too short for the serving certificate's renewal",
      ["--cert-ca-renew-before=1000h"],
      /--cert-ca-renew-before must exceed twice --cert-renew-before/,
    ],
  ];
  for (const [name, argv, message] of bad) {
    it(`rejects ${name} with a message naming the flag`, () => {
      assert.throws(
        () => parseRunConfig(argv, {}),
        (err: unknown) => err instanceof ConfigError && message.test(err.message),
      );
    });
  }
});
