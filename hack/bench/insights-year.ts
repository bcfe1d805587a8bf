/**
 * A year of promotions as the operator records them, sealed into one hash-chained file trail with the recorder's own
 * sealing (`sealAuditEntry`), for the insights benchmark: `perDay` promotions a day across teams, each with its
 * change, a check, a decision, the approval, what the gate waited on (GateWaitChanged), the lock, the promotion, the
 * outcome and the unlock; about one in ten
 * fails and is rolled back. Deterministic (a seeded generator), so two runs read the same trail.
 */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { GENESIS_HASH } from "../../src/audit/canonical-hash.js";
import { transitionId, type AuditEvent } from "../../src/audit/recorder.js";
import { sealAuditEntry } from "../../src/audit/seal.js";
import { gateWaitEvents } from "./insights-gate-waits.js";

const OPERATOR = "stagegate-operator";
const TEAMS = ["payments", "search", "checkout", "identity", "ledger"];

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The events of one promotion to prod, each with its time. */
function promotion(
  ns: string,
  name: string,
  team: string,
  at: number,
  rnd: () => number,
): [number, AuditEvent][] {
  const revision = createHash("sha1").update(name).digest("hex");
  const change = `${name}-prod`;
  // A uid per release, and the transition ids the Release controller gives its promotion facts (ADR 0031), which
  // `stagegate insights dora|cycle-time|bottlenecks` join promotions by.
  const uid = createHash("sha1").update(`uid:${ns}/${name}`).digest("hex").slice(0, 32);
  const r = { kind: "Release", namespace: ns, name, uid };
  const cr = { kind: "ChangeRequest", namespace: ns, name: change };
  const min = 60_000;
  const approvedBefore = rnd() < 0.2 ? 2 * min : 40 * min;
  const fails = rnd() < (approvedBefore < 15 * min ? 0.3 : 0.08);
  const iso = (t: number) => new Date(t).toISOString();
  const op = (
    t: number,
    action: AuditEvent["action"],
    object: AuditEvent["object"],
    details: Record<string, unknown>,
    actor = OPERATOR,
  ): [number, AuditEvent] => {
    const promotionFact = [
      "ReleasePromoted",
      "EnvironmentVerified",
      "EnvironmentFailed",
      "EnvironmentDeployed",
    ];
    const transition =
      object.kind === "Release" && promotionFact.includes(action)
        ? transitionId("Release", uid, action, "prod", 1, ...(action === "ReleasePromoted" ? [] : [revision]))
        : undefined;
    return [t, { actor, action, object, details, ...(transition === undefined ? {} : { transition }) }];
  };
  const events: [number, AuditEvent][] = [
    op(at - 60 * min, "ChangeRequested", cr, {
      message: `Requested a Normal change to prod for release ${name}.`,
      changeRequest: change,
      environment: "prod",
      type: "Normal",
      release: name,
      requestedBy: { username: OPERATOR, groups: ["stagegate:operators"] },
    }),
    op(
      at - 50 * min,
      "TaskItemCompleted",
      { kind: "DeploymentTask", namespace: ns, name: `${name}-prod-scan` },
      {
        type: "SecurityScan",
        environment: "prod",
        commit: revision,
        completedBy: "bob",
        completedAt: iso(at - 50 * min),
        items: [
          {
            name: "scan-run",
            state: "Done",
            evidence: { result: "Passed", uri: "https://scans.example.com/1" },
          },
        ],
      },
      "bob",
    ),
    op(
      at - approvedBefore,
      "DecisionRecorded",
      { kind: "Approval", namespace: ns, name: change },
      { decision: "Approve", comment: "Looks fine.", changeRequest: change },
      "carol",
    ),
    op(at - approvedBefore, "ChangeApproved", cr, {
      message: `Approval ${change} (round 1): Approved, settled by carol.`,
      changeRequest: change,
      approval: change,
      round: 1,
      resolvedBy: "carol",
      resolvedAt: iso(at - approvedBefore),
      approvers: ["carol"],
    }),
    ...gateWaitEvents(r, {
      requestedAt: at - 60 * min,
      checkedAt: at - 50 * min,
      approvedAt: at - approvedBefore,
      promotedAt: at,
    }),
    op(at, "TargetLocked", r, { environment: "prod", target: `Argo CD Application ${ns}/${name}`, revision }),
    op(at, "ReleasePromoted", r, {
      environment: "prod",
      target: `Argo CD Application ${ns}/${name}`,
      revision,
      requested: true,
      message: `Requested a sync of the application to ${revision}.`,
      changeRequest: change,
      dimensions: { team, region: rnd() < 0.5 ? "eu-west" : "us-east" },
    }),
    op(at + 2 * min, "EnvironmentDeployed", r, { environment: "prod", revision }),
    op(at + 3 * min, "ChangeClosed", cr, {
      message: "Closed the change (approved and used).",
      changeRequest: change,
      resolution: "Approved",
    }),
  ];
  if (fails) {
    const task = { kind: "DeploymentTask", namespace: ns, name: `${name}-prod-rollback` };
    events.push(
      op(at + 12 * min, "EnvironmentFailed", r, {
        environment: "prod",
        revision,
        reasons: ["The application reports Degraded health."],
      }),
      op(
        at + 13 * min,
        "RollbackTaskOpened",
        task,
        {
          alertname: "HighErrorRate",
          fingerprint: "f",
          startsAt: iso(at + 11 * min),
          labels: { app: name },
          release: `${ns}/${name}`,
          environment: "prod",
          matchedBy: "alertSelector",
          message: "Opened Rollback task.",
        },
        "alertmanager:am-1",
      ),
      op(at + 14 * min, "RollbackStarted", task, {
        release: name,
        environment: "prod",
        policy: "Automatic",
        from: revision,
        to: "0".repeat(40),
      }),
      op(at + 18 * min, "RollbackCompleted", task, {
        release: name,
        environment: "prod",
        policy: "Automatic",
        result: "Passed",
        from: revision,
        to: "0".repeat(40),
        message: "Healthy.",
      }),
    );
  } else {
    events.push(op(at + 12 * min, "EnvironmentVerified", r, { environment: "prod", revision }));
  }
  events.push(
    op(at + 19 * min, "TargetUnlocked", r, {
      environment: "prod",
      target: `Argo CD Application ${ns}/${name}`,
    }),
  );
  return events;
}

/** What was written: the entries and promotions, and a release to look back on. */
export interface YearTrail {
  entries: number;
  promotions: number;
  release: { namespace: string; name: string };
}

/** Writes a year (2026) of `perDay` promotions a day to `file` as one sealed chain. */
export async function writeYearTrail(file: string, perDay: number): Promise<YearTrail> {
  const rnd = random(13);
  const start = Date.parse("2026-01-01T00:00:00Z");
  const handle = await open(file, "w");
  let seq = 0;
  let prevHash = GENESIS_HASH;
  let promotions = 0;
  try {
    for (let day = 0; day < 365; day++) {
      const events: [number, AuditEvent][] = [];
      for (let i = 0; i < perDay; i++) {
        const team = TEAMS[i % TEAMS.length] ?? "payments";
        const hour = 7 + Math.floor(rnd() * 13) + (rnd() < 0.05 ? 8 : 0);
        const at = start + day * 86_400_000 + hour * 3_600_000 + Math.floor(rnd() * 3_600_000);
        events.push(...promotion(team, `${team}-d${day}-r${i}`, team, at, rnd));
        promotions += 1;
      }
      events.sort((a, b) => a[0] - b[0]);
      const lines: string[] = [];
      for (const [time, event] of events) {
        seq += 1;
        const entry = sealAuditEntry(event, { seq, prevHash, time: new Date(time) });
        prevHash = entry.hash;
        lines.push(`${JSON.stringify(entry)}\n`);
      }
      await handle.write(lines.join(""));
    }
  } finally {
    await handle.close();
  }
  return { entries: seq, promotions, release: { namespace: "payments", name: "payments-d180-r0" } };
}
