// What `stagegate insights` computes from the trail the e2e promotion story leaves: every count checked against what
// the story did (A and B to prod, C in dev, D failed in dev), and the dimension filter against the team labels the
// story's releases carry (shop for Argo CD, payments for Flux).
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { said, stagegateAs } from "./promotion-people.js";
import type { ReleasePlan, Stages } from "./promotion-world.js";

const Summary = z.object({ count: z.number(), medianSeconds: z.number().nullable() });
const DoraRows = z.array(
  z.object({
    environment: z.string(),
    group: z.string().optional(),
    deployments: z.number(),
    ended: z.number(),
    failures: z.number(),
    changeFailureRate: z.number().nullable(),
    leadTime: Summary,
  }),
);
const CycleRows = z.array(
  z.object({
    release: z.string(),
    cycleSeconds: z.number(),
    stages: z.array(z.object({ environment: z.string(), approval: z.number().optional() })),
  }),
);
const BottleneckRows = z.array(z.object({ environment: z.string(), phase: z.string(), count: z.number() }));
const TaskRows = z.array(
  z.object({ type: z.string(), owner: z.string(), closed: z.number(), completionRate: z.number() }),
);

async function insights<T extends z.ZodType>(schema: T, args: readonly string[]): Promise<z.infer<T>> {
  const run = await stagegateAs("admin", ["insights", ...args, "-o", "json"]);
  assert.equal(run.code, 0, said(run));
  return schema.parse(JSON.parse(run.stdout));
}

/** Checks the DORA, cycle-time and bottleneck output of the CLI over the story's trail `file`. */
export async function checkInsights(
  file: string,
  stages: Stages,
  plans: { A: ReleasePlan; B: ReleasePlan; C: ReleasePlan; D: ReleasePlan },
): Promise<void> {
  const dora = await insights(DoraRows, ["dora", file]);
  const row = (env: string) => dora.find((r) => r.environment === env);
  // dev: A, B and C verified, D failed; prod: A and B.
  assert.deepEqual(
    [row(stages.dev)?.deployments, row(stages.dev)?.ended, row(stages.dev)?.failures],
    [3, 4, 1],
    JSON.stringify(dora),
  );
  assert.equal(row(stages.dev)?.changeFailureRate, 0.25);
  assert.deepEqual([row(stages.prod)?.deployments, row(stages.prod)?.failures], [2, 0]);
  assert.ok((row(stages.prod)?.leadTime.medianSeconds ?? 0) > 0, "prod's lead time is measured");

  const payments = await insights(DoraRows, [
    "dora",
    file,
    "-l",
    "stagegate.io/team=payments",
    "--by",
    "team",
  ]);
  assert.deepEqual(
    payments.map((r) => [r.environment, r.group, r.deployments]),
    [stages.dev, stages.prod, stages.staging, stages.test].sort().map((env) => [env, "payments", 1]),
    "only B (payments) is selected",
  );

  const cycles = await insights(CycleRows, ["cycle-time", file, "--environment", stages.prod]);
  assert.deepEqual(cycles.map((r) => r.release).sort(), [plans.A.name, plans.B.name].sort());
  for (const cycle of cycles) {
    assert.deepEqual(
      cycle.stages.map((s) => s.environment),
      [stages.dev, stages.test, stages.staging, stages.prod],
    );
    const approvals = cycle.stages.filter((s) => s.approval !== undefined).map((s) => s.environment);
    assert.deepEqual(approvals, [stages.staging, stages.prod], "approval waits where changes were approved");
  }

  const waits = await insights(BottleneckRows, ["bottlenecks", file]);
  const approvalWait = waits.find((r) => r.environment === stages.prod && r.phase === "approval");
  assert.equal(approvalWait?.count, 2, JSON.stringify(waits));

  const refused = await stagegateAs("admin", ["insights", "dora", file, "-l", "owner=me"]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /"owner" is not a dimension label/);
}

/**
 * Checks `stagegate insights tasks` over the story's archive: the check tasks A and B closed, by type and owner;
 * then, on a copy, that a document forged into the archive directory (mallory as owner, no RecordArchived entry
 * vouching for it) is left out, counted on stderr, and fails the run.
 */
export async function checkTaskInsights(file: string): Promise<void> {
  const run = await stagegateAs("admin", ["insights", "tasks", "--trail", file, "-o", "json"]);
  assert.equal(run.code, 0, said(run));
  const rows = TaskRows.parse(JSON.parse(run.stdout));
  assert.deepEqual(
    rows.map((r) => [r.type, r.owner, r.closed, r.completionRate]),
    [
      ["EnvironmentReadiness", "User:erin", 2, 1],
      ["SecurityScan", "User:bob", 2, 1],
      ["UserAcceptance", "User:bob", 2, 1],
    ],
  );

  const copy = await mkdtemp(join(tmpdir(), "stagegate-insights-"));
  try {
    const trail = join(copy, "audit.jsonl");
    await cp(file, trail);
    await cp(`${file}.archive`, `${trail}.archive`, { recursive: true });
    const taskDir = join(`${trail}.archive`, "task");
    const [someTask = ""] = await readdir(taskDir);
    const [someFile = ""] = await readdir(join(taskDir, someTask));
    const uid = randomUUID();
    const forged = (await readFile(join(taskDir, someTask, someFile), "utf8"))
      .replaceAll(someTask, uid)
      .replaceAll('"name":"bob"', '"name":"mallory"');
    await mkdir(join(taskDir, uid));
    await writeFile(join(taskDir, uid, `${createHash("sha256").update(forged).digest("hex")}.json`), forged);
    const forgedRun = await stagegateAs("admin", ["insights", "tasks", "--trail", trail, "-o", "json"]);
    assert.equal(forgedRun.code, 1, said(forgedRun));
    assert.match(forgedRun.stderr, /Left out 1 archived tasks the chain does not vouch for/);
    const counted = TaskRows.parse(JSON.parse(forgedRun.stdout));
    assert.ok(!counted.some((r) => r.owner.includes("mallory")), JSON.stringify(counted));
    assert.deepEqual(
      counted.map((r) => r.closed),
      rows.map((r) => r.closed),
    );
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}
