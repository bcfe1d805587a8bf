// Crash safety of promotion: the operator, as its own process, is SIGKILLed again and again while four releases
// move through dev -> staging (a SecurityScan) -> prod (one approval, an always-open window), two pairs of them
// sharing a target so its lock orders them. Each lifetime ends during start-up, at a random moment, or just after
// a logged write that has more writes behind it (see crash-kill-points.ts). Argo CD, the approvers and the
// security engineer keep working while it is dead. After the last restart every release must converge with no
// duplicate task or change, no sync through a closed gate, no lock left held, and an intact audit trail.
// Replay a run with STAGEGATE_CRASH_SEED=<the seed it printed> (the kill schedule is drawn from it; timing varies).
// The suite runs once per audit store: the file trail every lifetime reopens, and the PostgreSQL store, where each
// lifetime is a new process that knows nothing of what earlier ones recorded, as a new leader would not.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { verifyAuditFile } from "../../src/audit/verify.js";
import { verifyAuditDatabase } from "../../src/audit/postgres/verify-table.js";
import type { AuditVerification } from "../../src/audit/verification.js";
import { createAuditDatabase, databaseUrl, type AuditDatabase } from "./postgres.js";
import { LOCK_ANNOTATION } from "../../src/controllers/release/gather.js";
import { RELEASE_LABEL } from "../../src/controllers/release/apply.js";
import { deliveryResources, resources } from "../../src/controllers/resources.js";
import { isNotFound } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import type { ResourceType } from "../../src/runtime/kube/resource.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { kubeconfigPath } from "./cluster.js";
import {
  approveChanges,
  completeCheckTasks,
  playArgoCD,
  type BackgroundLoop,
  type GivenApproval,
  type ObservedSync,
} from "./crash-actors.js";
import { KILL_POINTS, whenLogged, type KillPoint } from "./crash-kill-points.js";
import { crashSeed, seededRandom } from "./crash-random.js";
import { pendingStagegateSync } from "./gitops-driver.js";
import { createEnvironment } from "./controller-world.js";
import { createArgoApplication } from "./delivery-objects.js";
import { clientFor, createTestNamespace, waitFor, WaitTimeoutError } from "./kube.js";
import { startOperator, type OperatorProcess } from "./operator-process.js";
import { createRelease as createShopRelease } from "./release-world.js";
import { MemoryAudit } from "./memory-audit.js";
import { serveWebhooksFor, type NamespaceWebhooks } from "./namespace-webhooks.js";

const APP = deliveryResources.argoCDApplication;
const RELEASE_COUNT = 4;
const CONVERGE_TIMEOUT_MS = 150_000;

interface EnvironmentEntry {
  name: string;
  state: string;
  reasons?: string[];
}
interface ReleaseView {
  currentEnvironment?: string;
  currentState?: string;
  environments?: EnvironmentEntry[];
}

/** One release of the scenario: its revision and the Application it deploys through in each environment. */
interface PlannedRelease {
  name: string;
  revision: string;
  /** Application names in pipeline order (dev, staging, prod). */
  apps: string[];
}

/** What the world looked like at one kill. */
interface KillRecord {
  mode: "startup" | "random" | "point";
  lifetimeMs: number;
  /** The log line the process was killed right after (and how long after), in mode `point` when it came. */
  killedAfter?: string;
  /** Releases the operator had started promoting and not finished. */
  underway: number;
  gatedInProd: number;
  syncsPending: number;
}

/** Where the operator's audit record goes in a run of the suite. */
export type CrashAuditStore = "file" | "postgres";

/** The crash-safety suite, with the operator recording to `store`. */
export function describeCrashSafety(store: CrashAuditStore): void {
  describe(`crash safety of promotion (the operator SIGKILLed at random points; audit store: ${store})`, () => {
    const seed = crashSeed(process.env.STAGEGATE_CRASH_SEED);
    const random = seededRandom(seed);
    const suffix = randomBytes(3).toString("hex");
    const pipeline = ["dev", "staging", "prod"].map((base) => `${base}-crash-${suffix}`);
    const [dev = "", staging = "", prod = ""] = pipeline;
    const auditDir = mkdtempSync(path.join(tmpdir(), "stagegate-crash-"));
    const auditFile = path.join(auditDir, "audit.jsonl");
    let db: AuditDatabase | undefined;
    const releases: PlannedRelease[] = Array.from({ length: RELEASE_COUNT }, (_, i) => {
      const name = `pay-${i}`;
      // pay-0 and pay-1 share their dev Application, pay-2 and pay-3 their prod one: the lock orders each pair.
      const devApp = i < 2 ? "shared-dev" : `${name}-dev`;
      const prodApp = i >= 2 ? "shared-prod" : `${name}-prod`;
      return { name, revision: randomBytes(20).toString("hex"), apps: [devApp, `${name}-staging`, prodApp] };
    });
    const byRevision = new Map(releases.map((r) => [r.revision, r]));

    let admin: KubeClient;
    let people: KubeClient[] = [];
    let namespace = "";
    const environmentsCreated: string[] = [];
    const operators: OperatorProcess[] = [];
    const loops: BackgroundLoop[] = [];
    let syncs: ObservedSync[] = [];
    let approvals = new Map<string, GivenApproval>();
    const kills: KillRecord[] = [];
    let converged = false;
    let webhooks: NamespaceWebhooks | undefined;

    function startStagegate(): OperatorProcess {
      const op = startOperator(kubeconfigPath("operator"), [
        `--namespace=${namespace}`,
        "--leader-elect=false",
        // No Alertmanager receivers here (they need serving certificates); promotions do not use them.
        "--events-bind-address=0",
        ...auditFlags(),
      ]);
      operators.push(op);
      return op;
    }

    /** The same trail across restarts, so the hash chain has to survive every SIGKILL. */
    function auditFlags(): string[] {
      if (db === undefined) return [`--audit-log=${auditFile}`];
      const passwordFile = path.join(auditDir, "operator.password");
      writeFileSync(passwordFile, db.rolePassword, { mode: 0o600 });
      return [
        `--audit-database-url=${databaseUrl(db.server, db.database, db.role, "").replace(":@", "@")}`,
        `--audit-database-password-file=${passwordFile}`,
      ];
    }

    /** The record as stored, in chain order, and its verification. */
    /** One reading of the record: its entries and the chain's verification. */
    async function readAuditRecord(): Promise<{
      entries: AuditLine[];
      verification: AuditVerification;
      where: string;
    }> {
      if (db === undefined) {
        const entries = readFileSync(auditFile, "utf8")
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line) as AuditLine);
        return { entries, verification: await verifyAuditFile(auditFile), where: auditFile };
      }
      const rows = await db.asAdmin<{ entry: string }>(
        "SELECT entry::text AS entry FROM stagegate_audit.entries ORDER BY seq",
      );
      const entries = rows.map((row) => JSON.parse(row.entry) as AuditLine);
      return {
        entries,
        verification: await verifyAuditDatabase({ url: db.operatorUrl }),
        where: db.database,
      };
    }

    /**
     * The record once the operator has stopped adding to it: the surviving operator may still record a
     * late fact (a gate wait closing, an unlock) after the releases converged, so an entry list and a
     * verification read a moment apart can differ by those entries. Reads until two readings agree.
     */
    async function auditRecord(): Promise<{
      entries: AuditLine[];
      verification: AuditVerification;
      where: string;
    }> {
      let last = await readAuditRecord();
      return waitFor(
        "the audit record to stop growing",
        async () => {
          const next = await readAuditRecord();
          const settled =
            next.entries.length === last.entries.length && next.verification.entries === next.entries.length;
          last = next;
          return settled ? next : undefined;
        },
        { intervalMs: 500 },
      );
    }

    function logTail(op: OperatorProcess, lines = 40): string {
      return readFileSync(op.logFile, "utf8").trim().split("\n").slice(-lines).join("\n");
    }

    /** Waits for the Release controller's workers; fails at once with the log when the process died by itself. */
    async function workersStarted(op: OperatorProcess): Promise<void> {
      const started = await waitFor(
        `the operator's release workers (log ${op.logFile})`,
        () =>
          op.child.exitCode !== null
            ? "exited"
            : op.logs().some((l) => l.msg === "Started workers" && l.controller === "release")
              ? "started"
              : undefined,
        { timeoutMs: 60_000 },
      );
      if (started === "exited") {
        throw new Error(`the operator exited with ${op.child.exitCode}:\n${logTail(op)}`);
      }
    }

    async function list(rt: ResourceType): Promise<KubeObject[]> {
      return (await admin.list(rt, { namespace })).items;
    }

    function viewOf(obj: KubeObject): ReleaseView {
      return obj.status ?? {};
    }

    function complete(view: ReleaseView): boolean {
      const envs = view.environments ?? [];
      return (
        view.currentEnvironment === prod &&
        view.currentState === "Verified" &&
        envs.length === pipeline.length &&
        envs.every((e) => e.state === "Verified")
      );
    }

    function summary(objs: readonly KubeObject[]): string {
      return objs
        .map((r) => {
          const envs = (viewOf(r).environments ?? []).map(
            (e) => `${e.name}=${e.state} ${(e.reasons ?? []).join(" ")}`,
          );
          return `${r.metadata.name}: ${envs.join("; ")}`;
        })
        .join("\n");
    }

    /**
     * Judges a sync Argo CD is about to run, at the moment it sees it: the release must hold the target's lock, be
     * deployed in the environment before, have its staging check done, and have its prod change approved by then.
     */
    async function inspect(application: KubeObject, revision: string, seen: readonly ObservedSync[]) {
      const seenAt = Date.now();
      const release = byRevision.get(revision);
      const app = application.metadata.name;
      if (release === undefined) return [`${app} was asked to sync unknown revision ${revision}`];
      const index = release.apps.indexOf(app);
      if (index < 0) return [`${app} is no target of ${release.name}, yet was asked to sync its revision`];
      const violations: string[] = [];
      const holder = application.metadata.annotations?.[LOCK_ANNOTATION];
      if (holder !== `${namespace}/${release.name}`) {
        violations.push(`${app} synced ${release.name} while its lock was held by ${holder ?? "nobody"}`);
      }
      const previousApp = release.apps[index - 1];
      if (
        previousApp !== undefined &&
        !seen.some(
          (s) => s.application === previousApp && s.revision === revision && s.syncedAt !== undefined,
        )
      ) {
        violations.push(`${app} synced ${release.name} before it was deployed in ${pipeline[index - 1]}`);
      }
      if (pipeline[index] === staging) {
        const tasks = await admin.list(resources.deploymentTask, {
          namespace,
          labelSelector: `${RELEASE_LABEL}=${release.name}`,
        });
        const scans = tasks.items.filter(
          (t) => specOf(t).environment === staging && specOf(t).type === "SecurityScan",
        );
        const phases = scans.map((t) => (t.status as { phase?: string } | undefined)?.phase);
        if (scans.length === 0 || phases.some((p) => p !== "Succeeded")) {
          violations.push(`${app} synced ${release.name} with its SecurityScan ${JSON.stringify(phases)}`);
        }
      }
      if (pipeline[index] === prod) {
        const changes = (await list(resources.changeRequest)).filter(
          (c) => specOf(c).releaseRef?.name === release.name && specOf(c).environment === prod,
        );
        const resolutions = changes.map((c) => (c.status as { resolution?: string } | undefined)?.resolution);
        if (changes.length === 0 || resolutions.some((r) => r !== "Approved")) {
          violations.push(
            `${app} synced ${release.name} with its prod change ${JSON.stringify(resolutions)}`,
          );
        }
        for (const change of changes) {
          const decidedAt = approvals.get(change.metadata.name)?.decidedAt;
          if (decidedAt === undefined || decidedAt > seenAt) {
            violations.push(`${app} synced ${release.name} before anyone approved ${change.metadata.name}`);
          }
        }
      }
      return violations;
    }

    /** Declares one release, as its team would through GitOps. */
    async function createRelease(release: PlannedRelease): Promise<void> {
      await createShopRelease({ admin, namespace }, release.name, {
        version: "2.0.0",
        repoURL: "https://git.example.com/pay.git",
        revision: release.revision,
        pipeline,
        targets: pipeline.map((environment, i) => ({
          environment,
          argoCD: { name: release.apps[i], namespace, revision: release.revision },
        })),
      });
    }

    before(async () => {
      if (store === "postgres") db = await createAuditDatabase();
      admin = await clientFor("admin");
      namespace = await createTestNamespace(admin, "crash-safety");
      console.log(
        `# crash-safety seed ${seed} (replay with STAGEGATE_CRASH_SEED=${seed}); namespace ${namespace}`,
      );
      const window = { name: "always", schedule: "0 * * * *", duration: "2h", timeZone: "UTC" };
      const gates: Record<string, Record<string, unknown>> = {
        [dev]: {},
        [staging]: { requiredChecks: ["SecurityScan"] },
        [prod]: { requiredApprovals: 1, approvers: { groups: ["approvers"] }, windows: [window] },
      };
      // The webhooks serve from this process, so they stay up while the operator is killed: the API server stamps
      // the operator as the requester of the changes it opens, which is what lets them open a gate.
      webhooks = await serveWebhooksFor(admin, namespace, new MemoryAudit());
      for (const name of pipeline) {
        await createEnvironment({ admin, environments: environmentsCreated, namespace }, name, {
          gate: gates[name],
          // erin (developers) owns the checks: the task webhook lets only owners complete them.
          owners: { application: [{ kind: "Group", name: "developers" }] },
        });
      }
      for (const app of new Set(releases.flatMap((r) => r.apps))) {
        await createArgoApplication({ admin, namespace }, app, {
          repoURL: "https://git.example.com/pay.git",
          destinationNamespace: app,
        });
      }
      const [alice, carol, erin] = await Promise.all([
        clientFor("alice"),
        clientFor("carol"),
        clientFor("erin"),
      ]);
      people = [alice, carol, erin];
      const argo = playArgoCD(admin, namespace, inspect);
      syncs = argo.syncs;
      const approvers = approveChanges({
        admin,
        namespace,
        approvers: [
          { user: "alice", groups: ["approvers"], client: alice },
          { user: "carol", groups: ["approvers", "cab"], client: carol },
        ],
        random: random.fork("approvals"),
        delayMs: [1_000, 10_000],
      });
      approvals = approvers.given;
      const checker = completeCheckTasks({
        worker: { user: "erin", client: erin },
        namespace,
        random: random.fork("checks"),
        delayMs: [200, 4_000],
      });
      loops.push(argo.loop, approvers.loop, checker.loop);
    });

    after(async () => {
      // Every step runs even when one before it failed; what failed is reported together at the end.
      const problems: unknown[] = [];
      const step = async (work: () => Promise<unknown>): Promise<void> => {
        try {
          await work();
        } catch (err) {
          problems.push(err);
        }
      };
      for (const loop of loops) await step(() => loop.stop());
      await step(() => webhooks?.stop() ?? Promise.resolve());
      const alive = () =>
        operators.filter((op) => op.child.exitCode === null && op.child.signalCode === null);
      if (namespace !== "" && alive().length > 0) {
        // Deleted while the operator runs, so it can free their locks and remove its finalizer.
        for (const release of releases) await step(() => deleteIfPresent(resources.release, release.name));
        await step(() =>
          waitFor(
            "the test's Releases to be deleted",
            async () => ((await list(resources.release)).length === 0 ? true : undefined),
            { timeoutMs: 60_000 },
          ),
        );
      }
      for (const op of alive()) await step(() => op.stop());
      if (namespace !== "") await step(() => deleteIfPresent(builtin.namespace, namespace));
      for (const name of environmentsCreated) await step(() => deleteIfPresent(resources.environment, name));
      for (const client of people) client.close();
      admin?.close();
      if (problems.length > 0) throw new AggregateError(problems, "Cleaning up after the crash test failed");
    });

    async function deleteIfPresent(rt: ResourceType, name: string): Promise<void> {
      try {
        await admin.delete(rt, name, rt.namespaced ? namespace : undefined);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }

    it("converges every release to Verified in prod after random SIGKILLs and restarts", async () => {
      const schedule = random.fork("kills");
      const count = schedule.int(6, 10);
      for (let i = 0; i < count; i++) {
        // A lifetime ends during start-up, at a random moment, or right after a write that has more behind it.
        const draw = schedule.next();
        const mode = draw < 0.15 ? "startup" : draw < 0.55 ? "random" : "point";
        const point = schedule.pick(KILL_POINTS);
        // dev and prod: where targets are shared (the lock) and where the change is used.
        const pointEnvironment = schedule.pick([dev, prod]);
        const afterPointMs = schedule.between(0, 40);
        const lifetimeMs = Math.round(
          mode === "startup" ? schedule.between(300, 1_500) : schedule.between(300, 3_000),
        );
        // The releases arrive one per lifetime, so promotions are still under way when the later kills land.
        const arriving = releases[i];
        if (arriving !== undefined) await createRelease(arriving);
        const op = startStagegate();
        let killedAfter: KillPoint | undefined;
        if (mode !== "startup") await workersStarted(op);
        if (mode === "point") {
          killedAfter = await whenLogged(op, point, lifetimeMs * 2, pointEnvironment);
          // Up to a few milliseconds more, so the kill also lands between the writes that follow the line.
          await delay(afterPointMs);
        } else await delay(lifetimeMs);
        if (op.child.exitCode !== null) throw new Error(`the operator exited by itself:\n${logTail(op)}`);
        await op.kill();
        const [objs, apps] = await Promise.all([list(resources.release), list(APP)]);
        kills.push({
          mode,
          lifetimeMs,
          ...(killedAfter === undefined
            ? {}
            : {
                killedAfter: `${killedAfter} (${pointEnvironment}) +${Math.round(afterPointMs)}ms`,
              }),
          underway: objs.filter((r) => viewOf(r).environments !== undefined && !complete(viewOf(r))).length,
          gatedInProd: objs.filter((r) =>
            viewOf(r).environments?.some((e) => e.name === prod && e.state === "Gated"),
          ).length,
          syncsPending: apps.filter((a) => pendingStagegateSync(a) !== undefined).length,
        });
      }
      const mid = kills.filter((k) => k.underway > 0);
      const kind = (k: KillRecord) =>
        k.mode === "startup" ? "start-up" : k.mode === "random" ? "random" : (k.killedAfter ?? "no-point");
      console.log(
        `# seed ${seed}: ${kills.length} kills, ${mid.length} mid-promotion ` +
          `(${kills.filter((k) => k.gatedInProd > 0).length} while a prod gate waited for approval, ` +
          `${kills.filter((k) => k.syncsPending > 0).length} with a sync requested and not yet run); ` +
          kills.map((k) => `${kind(k)}@${k.lifetimeMs}ms`).join(", "),
      );
      const last = startStagegate();
      try {
        await waitFor(
          "every release to be Verified in prod",
          async () => {
            const objs = await list(resources.release);
            return objs.length === RELEASE_COUNT && objs.every((r) => complete(viewOf(r))) ? objs : undefined;
          },
          { timeoutMs: CONVERGE_TIMEOUT_MS, intervalMs: 500 },
        );
      } catch (err) {
        if (!(err instanceof WaitTimeoutError)) throw err;
        const state = summary(await list(resources.release));
        throw new Error(
          `${err.message}\nseed ${seed}\n${state}\nlast operator log (${last.logFile}):\n${logTail(last)}`,
          { cause: err },
        );
      }
      converged = true;
      assert.ok(mid.length > 0, "at least one kill landed while a promotion was under way");
      for (const loop of loops) assert.deepEqual(loop.errors, [], "the people and Argo CD met no errors");
    });

    it("opened exactly one check task and one change per release and environment", async () => {
      assert.ok(converged, "the releases did not converge");
      const tasks = await list(resources.deploymentTask);
      const changes = await list(resources.changeRequest);
      for (const release of releases) {
        const labelled = await admin.list(resources.deploymentTask, {
          namespace,
          labelSelector: `${RELEASE_LABEL}=${release.name}`,
        });
        const mine = tasks.filter((t) => specOf(t).releaseRef?.name === release.name);
        assert.equal(labelled.items.length, mine.length, `every task of ${release.name} carries its label`);
        assert.deepEqual(
          countBy(mine, (t) => `${specOf(t).environment}/${specOf(t).type}`),
          { [`${staging}/SecurityScan`]: 1 },
          `tasks of ${release.name}`,
        );
        assert.deepEqual(
          countBy(
            changes.filter((c) => specOf(c).releaseRef?.name === release.name),
            (c) => specOf(c).environment ?? "",
          ),
          { [prod]: 1 },
          `changes of ${release.name}`,
        );
      }
    });

    it("never synced an environment through a closed gate, and synced each revision once per target", () => {
      assert.ok(converged, "the releases did not converge");
      const violations = syncs.flatMap((s) => s.violations);
      assert.deepEqual(violations, [], "every sync found its gate open when Argo CD saw it");
      const expected = releases
        .flatMap((r) => r.apps.map((app) => `${app}@${r.revision.slice(0, 7)}`))
        .sort();
      const seen = syncs.map((s) => `${s.application}@${s.revision.slice(0, 7)}`).sort();
      assert.deepEqual(seen, expected, "one sync per release and environment, no more");
      for (const release of releases) {
        const change = [...approvals.values()].find(
          (a) => a.release === release.name && a.environment === prod,
        );
        const prodSync = syncs.find(
          (s) => s.application === release.apps[2] && s.revision === release.revision,
        );
        assert.ok(
          change?.decidedAt !== undefined && prodSync !== undefined,
          `${release.name} was approved and synced`,
        );
        assert.ok(change.decidedAt <= prodSync.seenAt, `${release.name}'s prod sync came after its approval`);
      }
    });

    it("leaves no target locked", async () => {
      assert.ok(converged, "the releases did not converge");
      const locks = async () =>
        (await list(APP)).flatMap((a) => {
          const holder = a.metadata.annotations?.[LOCK_ANNOTATION];
          return holder === undefined ? [] : [`${a.metadata.name} held by ${holder}`];
        });
      // A lock is freed by the pass that sees Verified stored, one pass after the status the convergence read.
      let held = await locks();
      await waitFor("every target lock to be freed", async () => {
        held = await locks();
        return held.length === 0 ? true : undefined;
      }).catch((err: unknown) => {
        if (!(err instanceof WaitTimeoutError)) throw err;
      });
      assert.deepEqual(held, []);
    });

    it("keeps the audit trail's hash chain intact across every SIGKILL", async () => {
      assert.ok(converged, "the releases did not converge");
      const { entries, verification, where } = await auditRecord();
      assert.ok(verification.ok, JSON.stringify(verification));
      assert.equal(verification.entries, entries.length);
      for (const change of approvals.values()) {
        const approved = entries.filter(
          (e) => e.action === "ChangeApproved" && e.object.name === change.changeRequest,
        );
        assert.ok(approved.length >= 1, `the approval of ${change.changeRequest} is on record`);
      }
      console.log(`# audit trail ${where}: ${entries.length} entries, chain verified`);
    });

    it("records every fact exactly once across every SIGKILL: none lost, none doubled (ADR 0031)", async () => {
      assert.ok(converged, "the releases did not converge");
      const { entries } = await auditRecord();
      const count = countBy(entries, factKey);
      const expected: string[] = [];
      for (const release of releases) {
        for (const environment of pipeline) {
          for (const action of ["TargetLocked", "ReleasePromoted", "EnvironmentVerified", "TargetUnlocked"]) {
            expected.push(`${action} Release ${release.name} ${environment}`);
          }
        }
      }
      for (const change of approvals.values()) {
        for (const action of ["ChangeRequested", "ApprovalOpened", "ChangeApproved", "ChangeClosed"]) {
          expected.push(`${action} change ${change.changeRequest}`);
        }
        expected.push(`DecisionRecorded change ${change.changeRequest} by ${change.approver}`);
      }
      const wrong = expected
        .filter((key) => count[key] !== 1)
        .map((key) => `${key}: recorded ${count[key] ?? 0} times`);
      // Whatever else is on record carries a transition at most once too (lock, promotion and task edits included).
      const transitions = countBy(
        entries.filter((e) => e.transition !== undefined),
        (e) => e.transition ?? "",
      );
      const doubled = Object.entries(transitions).filter(([, n]) => n > 1);
      assert.deepEqual(wrong, [], `facts not recorded exactly once (kills: ${kills.length})`);
      assert.deepEqual(doubled, [], "a transition recorded twice");
      const tasks = entries.filter((e) => e.action === "TaskItemCompleted");
      assert.ok(tasks.length >= RELEASE_COUNT, `each release's SecurityScan completion is on record`);
      console.log(`# ${expected.length} facts each recorded exactly once across ${kills.length} kills`);
    });
  });
}

/** What the crash-safety check reads of an audit entry. */
interface AuditLine {
  action: string;
  actor: string;
  object: { kind: string; name: string };
  details: { environment?: unknown; changeRequest?: unknown };
  transition?: string;
}

/** One fact: the action and the release and environment, or the change (and, for a decision, who decided). */
function factKey(entry: AuditLine): string {
  const change = entry.details.changeRequest;
  if (entry.object.kind !== "Release" && typeof change === "string") {
    return entry.action === "DecisionRecorded"
      ? `${entry.action} change ${change} by ${entry.actor}`
      : `${entry.action} change ${change}`;
  }
  const environment = typeof entry.details.environment === "string" ? entry.details.environment : "";
  return `${entry.action} ${entry.object.kind} ${entry.object.name} ${environment}`;
}

function specOf(obj: KubeObject): { environment?: string; type?: string; releaseRef?: { name?: string } } {
  return obj.spec ?? {};
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
