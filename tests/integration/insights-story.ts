// A month of promotions as the operator records them (the shapes of src/controllers/** and src/receivers/**), each
// at its own time, for the insights' integration tests: twelve releases whose changes were approved two minutes
// before prod (nine of them failed), twelve approved well before (one failed), and shop-1-4-0, its change approved
// three minutes before prod whose verification failed and which an alert rolled back.
import { createHash } from "node:crypto";
import type { ReleaseEnvironmentStatus } from "../../src/api/v1alpha1/release.js";
import type { AuditEvent } from "../../src/audit/recorder.js";
import { gateWaitAudit } from "../../src/controllers/release/gate-wait.js";

import { HOSTILE, PREVIOUS, REVISION } from "../support/report-story.js";

// The report story's revisions and hostile text, so both stories are read with the same values.
export { HOSTILE, PREVIOUS, REVISION };

/** Each release's own commit (shop-1-4-0's is REVISION), so checks bind to one release as they do in a cluster. */
export function revisionOf(name: string): string {
  return name === RETRO_RELEASE ? REVISION : createHash("sha1").update(name).digest("hex");
}
export const RETRO_RELEASE = "shop-1-4-0";

const OPERATOR = "stagegate-operator";

/** An event and the time the trail records it at. */
export interface TimedEvent {
  time: string;
  event: AuditEvent;
}

function at(
  time: string,
  actor: string,
  action: AuditEvent["action"],
  object: AuditEvent["object"],
  details: Record<string, unknown>,
): TimedEvent {
  return { time, event: { actor, action, object, details } };
}

/**
 * shop-1-4-0's prod gate as the release controller records it (`gateWaitAudit`, ADR 0053): waiting on checks and
 * approvals from 15:00, on the deployment window from 15:27 (approved, outside the window), open at 15:30.
 */
function retroGateWaits(ns: string, day: string): TimedEvent[] {
  const metadata = { namespace: ns, name: RETRO_RELEASE, uid: "3f0b6c1e-shop-1-4-0" };
  const gated = (since: string, categories: string[], reasons: string[]): ReleaseEnvironmentStatus =>
    ({ name: "prod", state: "Gated", gateWait: { categories, reasons, since } }) as ReleaseEnvironmentStatus;
  const steps: {
    time: string;
    before: ReleaseEnvironmentStatus | undefined;
    after: ReleaseEnvironmentStatus;
  }[] = [
    {
      time: `${day}T15:00:00Z`,
      before: undefined,
      after: gated(`${day}T15:00:00Z`, ["checks", "approvals"], ["ChecksPending", "ChangeNotApproved"]),
    },
    {
      time: `${day}T15:27:00Z`,
      before: gated(`${day}T15:00:00Z`, ["checks", "approvals"], ["ChecksPending", "ChangeNotApproved"]),
      after: gated(`${day}T15:27:00Z`, ["window"], ["OutsideWindow"]),
    },
    {
      time: `${day}T15:30:00Z`,
      before: gated(`${day}T15:27:00Z`, ["window"], ["OutsideWindow"]),
      after: { name: "prod", state: "Deploying", promotions: 1 },
    },
  ];
  return steps.flatMap(({ time, before, after }) =>
    gateWaitAudit(
      metadata,
      before === undefined ? undefined : { environments: [before] },
      [after],
      new Date(time),
    ).map((event) => ({ time, event })),
  );
}

/** The life of one release to prod: its change, a check, the approval, the promotion, the outcome. */
function release(
  ns: string,
  name: string,
  day: string,
  options: { approvedAt: string; fails: boolean; team: string },
): TimedEvent[] {
  const r = { kind: "Release", namespace: ns, name };
  const change = `${name}-prod`;
  const cr = { kind: "ChangeRequest", namespace: ns, name: change };
  const type = "Normal";
  const REVISION = revisionOf(name);
  return [
    at(`${day}T09:00:00Z`, OPERATOR, "ChangeRequested", cr, {
      message: `Requested a ${type} change to prod for release ${name}.`,
      changeRequest: change,
      environment: "prod",
      type,
      release: name,
      requestedBy: { username: OPERATOR, groups: ["stagegate:operators"] },
    }),
    at(
      `${day}T09:05:00Z`,
      "bob",
      "TaskItemCompleted",
      { kind: "DeploymentTask", namespace: ns, name: `${name}-prod-security-scan` },
      {
        type: "SecurityScan",
        environment: "prod",
        commit: REVISION,
        completedBy: "bob",
        completedAt: `${day}T09:05:00Z`,
        items: [
          {
            name: "scan-run",
            state: "Done",
            evidence: { result: "Passed", uri: "https://scans.example.com/1", notes: HOSTILE },
          },
        ],
      },
    ),
    at(
      `${day}T${options.approvedAt}`,
      "carol",
      "DecisionRecorded",
      { kind: "Approval", namespace: ns, name: change },
      {
        decision: "Approve",
        comment: `Looks fine ${HOSTILE}`,
        changeRequest: change,
      },
    ),
    at(`${day}T${options.approvedAt}`, OPERATOR, "ChangeApproved", cr, {
      message: `Approval ${change} (round 1): Approved, settled by carol.`,
      changeRequest: change,
      approval: change,
      round: 1,
      resolvedBy: "carol",
      resolvedAt: `${day}T${options.approvedAt}`,
      approvers: ["carol"],
    }),
    at(`${day}T10:00:00Z`, OPERATOR, "TargetLocked", r, {
      environment: "prod",
      target: `Argo CD Application ${ns}/${name}`,
      revision: REVISION,
    }),
    at(`${day}T10:00:00Z`, OPERATOR, "ReleasePromoted", r, {
      environment: "prod",
      target: `Argo CD Application ${ns}/${name}`,
      revision: REVISION,
      requested: true,
      message: `Requested a sync of the application to ${REVISION}.`,
      changeRequest: change,
      dimensions: { team: options.team, tags: ["pci"] },
    }),
    at(`${day}T10:02:00Z`, OPERATOR, "EnvironmentDeployed", r, { environment: "prod", revision: REVISION }),
    options.fails
      ? at(`${day}T10:20:00Z`, OPERATOR, "EnvironmentFailed", r, {
          environment: "prod",
          revision: REVISION,
          reasons: ["The application reports Degraded health after the sync."],
        })
      : at(`${day}T10:20:00Z`, OPERATOR, "EnvironmentVerified", r, {
          environment: "prod",
          revision: REVISION,
        }),
  ];
}

/** shop-1-4-0's retrospective story: staging, an emergency change to prod, a failed verification, a rollback. */
function retroStory(ns: string): TimedEvent[] {
  const r = { kind: "Release", namespace: ns, name: RETRO_RELEASE };
  const task = { kind: "DeploymentTask", namespace: ns, name: `${RETRO_RELEASE}-prod-verification` };
  const rollback = { kind: "DeploymentTask", namespace: ns, name: `${RETRO_RELEASE}-prod-rollback-3fa1c2d4` };
  const day = "2026-11-28";
  const common = {
    release: RETRO_RELEASE,
    environment: "prod",
    revision: REVISION,
    prometheusURL: "http://prometheus:9090",
    window: "10m",
    interval: "1m",
    deployedAt: `${day}T15:32:00Z`,
  };
  return [
    at(`${day}T14:00:00Z`, OPERATOR, "ReleasePromoted", r, {
      environment: "staging",
      target: `Argo CD Application ${ns}/shop-staging`,
      revision: REVISION,
      requested: true,
      message: `Requested a sync of the application to ${REVISION}.`,
    }),
    at(`${day}T14:04:00Z`, OPERATOR, "EnvironmentDeployed", r, {
      environment: "staging",
      revision: REVISION,
    }),
    at(`${day}T14:15:00Z`, OPERATOR, "EnvironmentVerified", r, {
      environment: "staging",
      revision: REVISION,
    }),
    ...release(ns, RETRO_RELEASE, day, {
      approvedAt: "15:27:00Z",
      fails: false,
      team: "payments",
    })
      .filter(
        (e) =>
          !["ReleasePromoted", "TargetLocked", "EnvironmentDeployed", "EnvironmentVerified"].includes(
            e.event.action,
          ),
      )
      // The same change, check and approval, in the afternoon (every time it records, details included).
      .map((e) => JSON.parse(JSON.stringify(e).replaceAll(`${day}T09:`, `${day}T15:`)) as TimedEvent),
    ...retroGateWaits(ns, day),
    at(`${day}T15:30:00Z`, OPERATOR, "ReleasePromoted", r, {
      environment: "prod",
      target: `Argo CD Application ${ns}/shop-prod`,
      revision: REVISION,
      requested: true,
      message: `Requested a sync of the application to ${REVISION}.`,
      changeRequest: `${RETRO_RELEASE}-prod`,
    }),
    at(`${day}T15:32:00Z`, OPERATOR, "EnvironmentDeployed", r, { environment: "prod", revision: REVISION }),
    at(`${day}T15:33:00Z`, OPERATOR, "VerificationMeasured", task, {
      ...common,
      baselineAt: `${day}T15:33:00Z`,
      baselines: { "error-rate": 0.012 },
    }),
    at(`${day}T15:40:00Z`, OPERATOR, "VerificationFailed", task, {
      ...common,
      check: "error-rate",
      measuredAt: `${day}T15:40:00Z`,
      purpose: "threshold",
      message: "error-rate measured 0.31, above the threshold 0.05.",
      value: 0.31,
      rollbackTask: rollback.name,
    }),
    at(`${day}T15:41:00Z`, OPERATOR, "EnvironmentFailed", r, {
      environment: "prod",
      revision: REVISION,
      reasons: [
        `Rollback task ${rollback.name} was opened after the verification failed; the release is held here.`,
      ],
    }),
    at(`${day}T15:42:00Z`, "alertmanager:am-1", "RollbackTaskOpened", rollback, {
      receiver: "stagegate-webhook",
      alertname: "HighErrorRate",
      fingerprint: "3fa1c2d4e5f60718",
      startsAt: `${day}T15:41:30Z`,
      labels: { alertname: "HighErrorRate", app: "shop" },
      release: `${ns}/${RETRO_RELEASE}`,
      environment: "prod",
      matchedBy: "alertSelector",
      message: `Opened Rollback task ${ns}/${rollback.name} for ${ns}/${RETRO_RELEASE} in prod.`,
    }),
    at(`${day}T15:43:00Z`, OPERATOR, "RollbackStarted", rollback, {
      release: RETRO_RELEASE,
      environment: "prod",
      policy: "Automatic",
      alert: { name: "HighErrorRate", fingerprint: "3fa1c2d4e5f60718" },
      from: REVISION,
      to: PREVIOUS,
      previousRelease: `${ns}/shop-1-3-0`,
    }),
    at(`${day}T15:49:00Z`, OPERATOR, "RollbackCompleted", rollback, {
      release: RETRO_RELEASE,
      environment: "prod",
      policy: "Automatic",
      alert: { name: "HighErrorRate", fingerprint: "3fa1c2d4e5f60718" },
      result: "Passed",
      from: REVISION,
      to: PREVIOUS,
      message: `The target runs ${PREVIOUS}, in sync and healthy.`,
    }),
    at(`${day}T16:10:00Z`, "alertmanager:am-1", "AlertResolved", rollback, {
      receiver: "stagegate-webhook",
      alertname: "HighErrorRate",
      fingerprint: "3fa1c2d4e5f60718",
      startsAt: `${day}T15:41:30Z`,
      labels: { alertname: "HighErrorRate", app: "shop" },
      release: `${ns}/${RETRO_RELEASE}`,
      environment: "prod",
      matchedBy: "alertSelector",
      resolvedAt: `${day}T16:09:30Z`,
      message: `Recorded on Rollback task ${ns}/${rollback.name} that the alert resolved at ${day}T16:09:30Z.`,
    }),
  ];
}

/** The month's events in time order: 24 releases to prod in November and shop-1-4-0's story. */
export function monthStory(ns: string): TimedEvent[] {
  const day = (i: number) => `2026-11-${String(1 + i).padStart(2, "0")}`;
  const late = Array.from({ length: 12 }, (_, i) =>
    release(ns, `late-${i}`, day(i), { approvedAt: "09:58:00Z", fails: i < 9, team: "payments" }),
  );
  const calm = Array.from({ length: 12 }, (_, i) =>
    release(ns, `calm-${i}`, day(i + 12), { approvedAt: "09:20:00Z", fails: i < 1, team: "search" }),
  );
  return [...late.flat(), ...calm.flat(), ...retroStory(ns)].sort(
    (a, b) => Date.parse(a.time) - Date.parse(b.time),
  );
}
