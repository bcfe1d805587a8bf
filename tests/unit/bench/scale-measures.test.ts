// The pure readers `make bench-scale` counts with: kube-apiserver audit lines into requests per identity (the
// independent count of the operator's writes), the Prometheus text of /metrics, and /proc memory and CPU. A wrong
// count here would print a wrong "met", so each reader is checked against lines as the real sources write them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AuditLine,
  AuditWindow,
  countLine,
  emptyCounts,
  totalWrites,
} from "../../../hack/bench/audit-counts.js";
import { parseCpuSeconds } from "../../../hack/bench/process-cpu.js";
import { parseProcStatus } from "../../../hack/bench/process-memory.js";
import { samplesOf, valueOf } from "../../../hack/bench/prometheus-text.js";

const ORIGIN = Date.parse("2026-12-06T10:00:00Z");

/** An audit line as kube-apiserver writes it at the Metadata level (trimmed of fields the reader drops). */
function line(fields: {
  user?: string;
  verb: string;
  resource?: string;
  group?: string;
  subresource?: string;
  code?: number;
  stage?: string;
  at?: string;
}): AuditLine {
  return AuditLine.parse({
    kind: "Event",
    apiVersion: "audit.k8s.io/v1",
    level: "Metadata",
    auditID: "0c0ffee0-0000-4000-8000-000000000000",
    stage: fields.stage ?? "ResponseComplete",
    requestURI: "/apis/x",
    verb: fields.verb,
    user: { username: fields.user ?? "stagegate-operator", groups: ["stagegate:operators"] },
    objectRef:
      fields.resource === undefined
        ? undefined
        : {
            resource: fields.resource,
            apiGroup: fields.group,
            subresource: fields.subresource,
            namespace: "scale",
            name: "rel-1",
          },
    responseStatus: { metadata: {}, code: fields.code ?? 200 },
    requestReceivedTimestamp: fields.at ?? "2026-12-06T10:00:00.500000Z",
    stageTimestamp: fields.at ?? "2026-12-06T10:00:00.510000Z",
  });
}

describe("audit counts", () => {
  it("tells object writes, Events, Lease renewals, 409s and live GETs apart", () => {
    const counts = emptyCounts();
    const lines = [
      line({ verb: "update", resource: "releases", group: "stagegate.io", subresource: "status" }),
      line({ verb: "update", resource: "releases", group: "stagegate.io", subresource: "status", code: 409 }),
      line({ verb: "patch", resource: "applications", group: "argoproj.io" }),
      line({ verb: "create", resource: "events", group: "events.k8s.io", code: 201 }),
      line({ verb: "update", resource: "leases", group: "coordination.k8s.io" }),
      line({ verb: "get", resource: "applications", group: "argoproj.io" }),
      line({ verb: "list", resource: "releases", group: "stagegate.io" }),
      // The metrics scrapes' authentication and authorisation checks: questions, not stored writes.
      line({ verb: "create", resource: "tokenreviews", group: "authentication.k8s.io", code: 201 }),
      line({ verb: "create", resource: "subjectaccessreviews", group: "authorization.k8s.io", code: 201 }),
    ];
    for (const l of lines) assert.equal(countLine(counts, l, "stagegate-operator"), true);
    assert.equal(counts.objectWrites, 3);
    assert.equal(counts.eventWrites, 1);
    assert.equal(counts.leaseWrites, 1);
    assert.equal(counts.conflicts, 1);
    assert.equal(counts.liveGets, 1);
    assert.equal(counts.lists, 1);
    assert.equal(totalWrites(counts), 5);
    assert.equal(counts.byRequest.get("update releases/status"), 2);
    assert.equal(counts.byRequest.get("patch applications"), 1);
    assert.equal(counts.byRequest.get("create tokenreviews"), 1);
  });

  it("counts neither other identities, nor watches, nor a request's earlier stages", () => {
    const counts = emptyCounts();
    assert.equal(
      countLine(counts, line({ user: "admin", verb: "create", resource: "releases" }), "stagegate-operator"),
      false,
    );
    assert.equal(
      countLine(counts, line({ verb: "watch", resource: "releases" }), "stagegate-operator"),
      false,
    );
    assert.equal(
      countLine(
        counts,
        line({ verb: "update", resource: "releases", stage: "ResponseStarted" }),
        "stagegate-operator",
      ),
      false,
    );
    assert.equal(totalWrites(counts), 0);
    assert.equal(counts.byRequest.size, 0);
  });

  it("buckets writes per second from the window's origin, leaving out Leases and what came before", () => {
    const window = new AuditWindow(["stagegate-operator", "admin"], ORIGIN);
    window.add(line({ verb: "patch", resource: "applications", at: "2026-12-06T09:59:59.900000Z" }));
    window.add(line({ verb: "patch", resource: "applications", at: "2026-12-06T10:00:00.100000Z" }));
    window.add(line({ verb: "update", resource: "leases", at: "2026-12-06T10:00:00.200000Z" }));
    window.add(line({ verb: "get", resource: "applications", at: "2026-12-06T10:00:01.100000Z" }));
    window.add(line({ verb: "create", resource: "events", at: "2026-12-06T10:00:02.999000Z" }));
    window.add(
      line({ user: "admin", verb: "create", resource: "releases", at: "2026-12-06T10:00:01.000000Z" }),
    );
    assert.deepEqual(window.writesPerSecondOf("stagegate-operator"), [1, 0, 1]);
    assert.deepEqual(window.writesPerSecondOf("admin"), [0, 1]);
    const operator = window.countsOf("stagegate-operator");
    assert.equal(operator.objectWrites, 1);
    assert.equal(operator.leaseWrites, 1);
    assert.equal(operator.eventWrites, 1);
    assert.equal(operator.liveGets, 1);
  });
});

describe("prometheus text", () => {
  const text = [
    "# HELP workqueue_depth Current depth of workqueue",
    "# TYPE workqueue_depth gauge",
    'workqueue_depth{name="release"} 42',
    'workqueue_depth{name="archive-release"} 0',
    "workqueue_depth_total 7",
    "nodejs_heap_size_used_bytes 52428800",
    'label_escapes{name="a\\"b"} 1',
  ].join("\n");

  it("reads every sample of one metric with its labels, and no metric that only shares its prefix", () => {
    assert.deepEqual(samplesOf(text, "workqueue_depth"), [
      { labels: { name: "release" }, value: 42 },
      { labels: { name: "archive-release" }, value: 0 },
    ]);
    assert.equal(valueOf(text, "workqueue_depth", { name: "release" }), 42);
    assert.equal(valueOf(text, "nodejs_heap_size_used_bytes"), 52428800);
    assert.equal(valueOf(text, "label_escapes", { name: 'a"b' }), 1);
    assert.equal(valueOf(text, "nodejs_heap_size_total_bytes"), undefined);
  });
});

describe("/proc readers", () => {
  it("reads VmRSS and VmHWM in bytes", () => {
    const status = "Name:\tnode\nVmPeak:\t 1200000 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n";
    assert.deepEqual(parseProcStatus(status), { rss: 102400 * 1024, peakRss: 204800 * 1024 });
    assert.throws(() => parseProcStatus("Name:\tnode\n"), /VmRSS/);
  });

  it("reads utime + stime after a command name holding spaces and parentheses", () => {
    const stat = "4242 (node (main) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11 0 1000";
    assert.equal(parseCpuSeconds(stat), 3);
  });
});
