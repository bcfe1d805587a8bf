// The dashboard's view models: a board row per release (state in words and symbols, the gate's reasons, pipeline
// order), "waiting for me" from the identity the API server authenticated, and the session store's idle expiry.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BoardRelease, boardRows, releaseRow } from "../../../src/dashboard/board-view.js";
import { IDLE_ENDED, REVOKED_ENDED, SessionStore, sameSecret } from "../../../src/dashboard/sessions.js";
import { templates } from "../../../src/dashboard/templates.js";
import { WaitingTaskObject, waitingApprovals, waitingTasks } from "../../../src/dashboard/waiting-view.js";
import { ApprovalObject } from "../../../src/cli/change-control.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";

const release = (name: string, extra: Record<string, unknown> = {}) =>
  BoardRelease.parse({
    metadata: { name, namespace: "shop", labels: { "stagegate.io/team": "payments" } },
    spec: { version: "1.2.0", pipeline: ["dev", "staging", "prod"] },
    status: {
      environments: [
        { name: "dev", state: "Verified" },
        { name: "staging", state: "Gated", reasons: ["ChangeRequest shop-staging is not approved yet."] },
      ],
    },
    ...extra,
  });

describe("releaseRow", () => {
  it("shows each pipeline environment in order, with its state as a word and a symbol, and the gate's reasons", () => {
    const row = releaseRow(release("shop-1"));
    assert.equal(row.rowId, "release:shop/shop-1");
    assert.equal(row.href, "/releases/shop/shop-1");
    assert.equal(row.dimensions, "team=payments");
    assert.deepEqual(
      row.cells.map((c) => [c.environment, c.label, c.symbol, c.reasons]),
      [
        ["dev", "Verified", "✔", []],
        ["staging", "Gated", "‖", ["ChangeRequest shop-staging is not approved yet."]],
        ["prod", "Not started", "·", []],
      ],
    );
  });

  it("names another cluster's release in its id, link and text; the home cluster's keeps its one-cluster id and link", () => {
    const east = releaseRow(release("shop-1"), { name: "east", home: false });
    assert.equal(east.rowId, "release@east:shop/shop-1");
    assert.equal(east.href, "/releases/shop/shop-1?cluster=east");
    assert.equal(east.cluster, "east");
    const home = releaseRow(release("shop-1"), { name: "home", home: true });
    assert.equal(home.rowId, "release:shop/shop-1");
    assert.equal(home.href, "/releases/shop/shop-1");
    const html = templates.row({ row: east });
    assert.match(html, /data-cluster="east"/);
    assert.match(html, /cluster east · shop · 1\.2\.0/);
    assert.match(html, /href="\/releases\/shop\/shop-1\?cluster&#x3D;east"/, "escaped; the browser reads =");
  });

  it("keeps a release with a malformed status on the board, without its environments' states", () => {
    const row = releaseRow(release("odd", { status: { environments: [{ state: 42 }] } }));
    assert.deepEqual(
      row.cells.map((c) => c.label),
      ["Not started", "Not started", "Not started"],
    );
  });

  it("orders rows by namespace, then name", () => {
    assert.deepEqual(
      boardRows([release("b"), release("a")]).map((r) => r.name),
      ["a", "b"],
    );
  });

  it("escapes what users wrote: a reason with markup renders as text", () => {
    const row = releaseRow(
      release("x", {
        status: {
          environments: [{ name: "dev", state: "Failed", reasons: ["<img src=x onerror=alert(1)>"] }],
        },
      }),
    );
    const html = templates.row({ row });
    assert.doesNotMatch(html, /<img/);
    assert.match(html, /&lt;img src&#x3D;x onerror&#x3D;alert\(1\)&gt;/);
    assert.match(html, /✖ <\/span>Failed/);
  });
});

const approval = (name: string, spec: Record<string, unknown>, status: Record<string, unknown> = {}) =>
  ApprovalObject.parse({
    metadata: { name, namespace: "shop", creationTimestamp: `2026-12-06T10:0${name.length % 10}:00Z` },
    spec: { changeRequestRef: { name }, required: 2, eligible: { users: [], groups: [] }, ...spec },
    status,
  });

describe("waitingApprovals", () => {
  const me = { username: "ann", groups: ["approvers"] };
  it("lists only the open, pending approvals I may decide and have not decided", () => {
    const items = [
      approval("mine-by-group", { eligible: { users: [], groups: ["approvers"] } }),
      approval("mine-by-name", { eligible: { users: ["ann"], groups: [] } }),
      approval("not-mine", { eligible: { users: ["bob"], groups: ["cab"] } }),
      approval("excluded", {
        eligible: { users: ["ann"], groups: [] },
        excluded: [{ user: "ann", reason: "author" }],
      }),
      approval("decided", {
        eligible: { users: ["ann"], groups: [] },
        decisions: { ann: { decision: "Approve", decidedAt: "2026-12-06T10:00:00Z" } },
      }),
      approval("closed", { eligible: { users: ["ann"], groups: [] } }, { outcome: "Approved" }),
    ];
    assert.deepEqual(
      waitingApprovals(items, me)
        .map((a) => a.approval)
        .sort(),
      ["mine-by-group", "mine-by-name"],
    );
  });
});

describe("waitingTasks", () => {
  const task = (name: string, owners: unknown[], phase?: string, dueAt?: string) =>
    WaitingTaskObject.parse({
      metadata: { name, namespace: "shop" },
      spec: { type: "Checklist", title: `Task ${name}`, owners, ...(dueAt === undefined ? {} : { dueAt }) },
      ...(phase === undefined ? {} : { status: { phase } }),
    });
  it("lists the tasks I own by name or group that are not done, earliest due first, marking the overdue", () => {
    const me = { username: "ann", groups: ["sre"] };
    const rows = waitingTasks(
      [
        task("later", [{ name: "ann" }], "Ready", "2026-12-09T00:00:00Z"),
        task("late", [{ kind: "Group", name: "sre" }], "Blocked", "2026-12-01T00:00:00Z"),
        task("done", [{ name: "ann" }], "Succeeded"),
        task("other", [{ name: "bob" }], "Ready"),
      ],
      me,
      new Date("2026-12-06T12:00:00Z"),
    );
    assert.deepEqual(
      rows.map((r) => [r.name, r.overdue]),
      [
        ["late", true],
        ["later", false],
      ],
    );
  });

  it("lists the tasks shared with me through a coordination role of the task's Environment, saying how", () => {
    const me = { username: "ann", groups: ["sre"] };
    const inProd = (name: string, owners: unknown[]) =>
      WaitingTaskObject.parse({
        metadata: { name, namespace: "shop" },
        spec: { type: "Checklist", title: `Task ${name}`, owners, environment: "prod" },
      });
    const roles = new Map([
      [
        "prod",
        {
          roles: [
            { role: "QA" as const, members: [{ kind: "Group" as const, name: "sre" }] },
            { role: "ReleaseManager" as const, members: [{ kind: "User" as const, name: "bob" }] },
          ],
        },
      ],
    ]);
    const tasks = [
      inProd("qa", [{ kind: "Role", name: "QA" }]),
      inProd("rm", [{ kind: "Role", name: "ReleaseManager" }]),
      inProd("named", [{ name: "ann" }, { kind: "Role", name: "QA" }]),
      inProd("group", [{ kind: "Group", name: "sre" }]),
    ];
    const rows = waitingTasks(tasks, me, new Date("2026-12-06T12:00:00Z"), roles);
    assert.deepEqual(
      rows.map((r) => [r.name, r.owned]).sort(),
      [
        ["group", "shared via group sre"],
        ["named", "mine"],
        ["qa", "shared via role QA"],
      ],
      "a role someone else holds is not mine",
    );
    assert.deepEqual(
      waitingTasks(tasks, me, new Date("2026-12-06T12:00:00Z"))
        .map((r) => r.name)
        .sort(),
      ["group", "named"],
      "without the Environment's roles (not readable), a role stands for nobody",
    );
    const html = templates.waiting({ approvals: [], tasks: rows, notices: [], csrf: "x" });
    assert.match(html, /<td class="owned">shared via role QA<\/td>/);
  });

  it("shares a task through a TeamRoleBinding of its team, environment and namespace, as stagegate tasks --mine does", () => {
    const me = { username: "ann", groups: [] };
    const task = (name: string, namespace: string, environment: string) =>
      WaitingTaskObject.parse({
        metadata: { name, namespace, labels: { "stagegate.io/team": "payments" } },
        spec: {
          type: "Checklist",
          title: `Task ${name}`,
          owners: [{ kind: "Role", name: "QA" }],
          environment,
        },
      });
    const teams = {
      teams: [
        {
          team: "payments",
          namespaces: ["shop"],
          environments: ["prod"],
          roles: [{ role: "QA" as const, members: [{ kind: "User" as const, name: "ann" }] }],
        },
        {
          team: "payments",
          roles: [{ role: "QA" as const, members: [{ kind: "User" as const, name: "ann" }] }],
        },
      ],
      namespaceTeams: new Map([["payments-api", "payments"]]),
    };
    const rows = waitingTasks(
      [
        task("here", "shop", "prod"),
        task("other-environment", "shop", "dev"),
        task("labelled-namespace", "payments-api", "dev"),
        task("unlabelled-namespace", "web", "prod"),
      ],
      me,
      new Date("2026-12-06T12:00:00Z"),
      new Map(),
      teams,
    );
    assert.deepEqual(rows.map((r) => [r.name, r.owned]).sort(), [
      ["here", "shared via role QA"],
      ["labelled-namespace", "shared via role QA"],
    ]);
  });

  it("follows hand-overs and the roles bound for the task's team, as stagegate tasks --mine does", () => {
    const me = { username: "ann", groups: [] };
    const at = "2026-12-06T10:00:00Z";
    const parse = (name: string, namespace: string, spec: Record<string, unknown>, labels = {}) =>
      WaitingTaskObject.parse({
        metadata: { name, namespace, labels },
        spec: { type: "Checklist", title: `Task ${name}`, environment: "prod", ...spec },
      });
    const roles = new Map([
      [
        "prod",
        {
          roles: [{ role: "QA" as const, members: [{ kind: "User" as const, name: "bob" }] }],
          teamRoles: [
            {
              team: "payments",
              namespaces: ["payments"],
              roles: [{ role: "QA" as const, members: [{ kind: "User" as const, name: "ann" }] }],
            },
          ],
        },
      ],
    ]);
    const tasks = [
      parse("handed-to-me", "shop", {
        owners: [{ name: "bob" }],
        handovers: [{ to: { kind: "User", name: "ann" }, by: "bob", at }],
      }),
      parse("handed-away", "shop", {
        owners: [{ name: "ann" }],
        handovers: [{ to: { kind: "User", name: "bob" }, by: "ann", at }],
      }),
      parse("team-qa", "payments", { owners: [{ kind: "Role", name: "QA" }] }),
      // A team label in a namespace the team's binding does not list picks nothing: bob holds QA there.
      parse(
        "relabelled",
        "shop",
        { owners: [{ kind: "Role", name: "QA" }] },
        { "stagegate.io/team": "payments" },
      ),
    ];
    const rows = waitingTasks(tasks, me, new Date("2026-12-06T12:00:00Z"), roles);
    assert.deepEqual(rows.map((r) => [r.name, r.owned]).sort(), [
      ["handed-to-me", "mine"],
      ["team-qa", "shared via role QA"],
    ]);
  });

  it("never matches a Role owner by a user's name", () => {
    const me = { username: "QA", groups: [] };
    const rows = waitingTasks(
      [task("role", [{ kind: "Role", name: "QA" }], "Ready")],
      me,
      new Date("2026-12-06T12:00:00Z"),
      new Map(),
    );
    assert.deepEqual(rows, []);
  });
});

describe("SessionStore", () => {
  const client = (closed: string[], name: string) =>
    ({ close: () => closed.push(name) }) as unknown as KubeClient;
  const ann = { username: "ann", uid: "u-ann", groups: [] };
  const accepted = () => Promise.resolve(ann);
  it("ends a session idle longer than allowed, closing its watches and client", () => {
    let now = 0;
    const closed: string[] = [];
    const store = new SessionStore({ idleMs: 1000, now: () => now });
    const session = store.open(ann, client(closed, "client"), accepted);
    session.closers.add((reason) => closed.push(`watch: ${reason ?? ""}`));
    now = 900;
    assert.equal(store.touch(session.id), session);
    now = 1800;
    assert.equal(store.touch(session.id), session, "touching restarted the idle clock");
    now = 2700;
    assert.equal(store.peek(session.id), session, "peeking (a live-update reconnect) finds the session...");
    now = 2801;
    assert.equal(store.peek(session.id), undefined, "...but does not keep it alive");
    assert.equal(store.touch(session.id), undefined);
    assert.deepEqual(closed, [`watch: ${IDLE_ENDED}`, "client"]);
    assert.equal(store.size, 0);
  });

  it("gives each session its own random id and CSRF token, and knows no other id", () => {
    const store = new SessionStore({ idleMs: 1000 });
    const a = store.open(ann, client([], "a"), accepted);
    const b = store.open({ username: "bob", groups: [] }, client([], "b"), accepted);
    assert.notEqual(a.id, b.id);
    assert.notEqual(a.csrf, b.csrf);
    assert.ok(a.id.length >= 43);
    assert.equal(store.touch("forged"), undefined);
    assert.equal(sameSecret(a.csrf, b.csrf), false);
    assert.equal(sameSecret(a.csrf, a.csrf), true);
  });

  it("ends, telling its pages why, a session whose token the API server no longer accepts for the same user", async () => {
    const store = new SessionStore({ idleMs: 60_000 });
    const told: string[] = [];
    const kept = store.open(ann, client([], "kept"), accepted);
    const revoked = store.open(ann, client([], "revoked"), () => Promise.resolve(undefined));
    revoked.closers.add((reason) => told.push(reason ?? ""));
    // The same name with another uid is another account (deleted and created again): not the one who signed in.
    const recreated = store.open(ann, client([], "recreated"), () =>
      Promise.resolve({ ...ann, uid: "u-ann-2" }),
    );
    const unreachable = store.open(ann, client([], "unreachable"), () => Promise.reject(new Error("down")));
    const failures: string[] = [];
    const ended = await store.recheck((error, session) =>
      failures.push(`${session.id === unreachable.id ? "unreachable" : "?"}: ${(error as Error).message}`),
    );
    assert.equal(ended, 2);
    assert.deepEqual(told, [REVOKED_ENDED]);
    assert.equal(store.peek(kept.id), kept);
    assert.equal(store.peek(revoked.id), undefined);
    assert.equal(store.peek(recreated.id), undefined);
    assert.equal(store.peek(unreachable.id), unreachable, "a failed review ends nothing");
    assert.deepEqual(failures, ["unreachable: down"]);
  });
});
