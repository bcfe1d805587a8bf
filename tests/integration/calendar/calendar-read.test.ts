// The calendar as its readers see it, on the real API server: the iCalendar feed (TokenReview, then every read
// with the caller's own token) and `stagegate calendar`. Attacks first: no token, a bad token, a team reading
// another team's changes; then what a subscriber gets.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { CALENDAR_PATH, calendarFeedHandler } from "../../../src/calendar/feed.js";
import { API_VERSION } from "../../../src/api/v1alpha1/group.js";
import { resources } from "../../../src/controllers/resources.js";
import { reviewToken } from "../../../src/dashboard/token-review.js";
import { userClient } from "../../../src/dashboard/user-client.js";
import { startHttpsServer, type RunningHttpsServer } from "../../../src/runtime/https-server.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { leanKubeCredentials } from "../../../src/runtime/kube/kube-credentials.js";
import { builtin, type ResourceType } from "../../../src/runtime/kube/resource.js";
import { silentLogger } from "../../../src/runtime/logging.js";
import { kubeconfigPath } from "../../support/cluster.js";
import { coreResources } from "../../support/core-resources.js";
import { clientFor, createTestNamespace } from "../../support/kube.js";
import { writeSelfSignedMetricsCert } from "../../support/operator-metrics.js";
import { requestToken } from "../../support/service-account-token.js";
import { stagegateAs } from "../cli/cli-helpers.js";

const rbac = (plural: string, kind: string, namespaced: boolean): ResourceType => ({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  plural,
  kind,
  namespaced,
});

function get(url: string, caPem: string, authorization?: string) {
  return new Promise<{
    status: number;
    body: string;
    headers: Record<string, string | string[] | undefined>;
  }>((resolve, reject) => {
    https
      .get(
        url,
        {
          ca: caPem,
          agent: false,
          headers: authorization === undefined ? {} : { Authorization: authorization },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
        },
      )
      .on("error", reject);
  });
}

const basic = (token: string): string => `Basic ${Buffer.from(`calendar:${token}`).toString("base64")}`;
const unfold = (text: string): string => text.replace(/\r\n /g, "");

describe("the calendar, read as its reader", () => {
  let admin: KubeClient;
  let operator: KubeClient;
  let server: RunningHttpsServer;
  let caPem = "";
  let dir = "";
  let teamA = "";
  let teamB = "";
  let token = "";
  const env = `cal-env-${randomBytes(3).toString("hex")}`;
  const crb = `calendar-env-${env}`;
  const soon = (days: number): string =>
    new Date(Date.now() + days * 86_400_000).toISOString().replace(/\.\d+Z$/, "Z");
  const feed = (query: string): string => `https://127.0.0.1:${server.port}${CALENDAR_PATH}${query}`;

  async function plan(namespace: string, name: string): Promise<void> {
    await admin.create(
      resources.changeRequest,
      {
        apiVersion: API_VERSION,
        kind: "ChangeRequest",
        metadata: { name },
        spec: {
          releaseRef: { name: `${name}-1.0.0` },
          environment: env,
          type: "Normal",
          justification: "Calendar test.",
          plannedWindow: { start: soon(2), end: soon(2.1) },
        },
      },
      namespace,
    );
  }

  before(async () => {
    admin = await clientFor("admin");
    operator = await clientFor("operator");
    // Team A's namespace: only its own ServiceAccounts may read it (no local team bound there).
    teamA = `cal-team-a-${randomBytes(3).toString("hex")}`;
    await admin.create(builtin.namespace, { apiVersion: "v1", kind: "Namespace", metadata: { name: teamA } });
    const saGroup = `system:serviceaccounts:${teamA}`;
    await admin.create(
      rbac("rolebindings", "RoleBinding", true),
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "calendar-viewers" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "stagegate-viewer" },
        subjects: [{ kind: "Group", name: saGroup, apiGroup: "rbac.authorization.k8s.io" }],
      },
      teamA,
    );
    await admin.create(rbac("clusterrolebindings", "ClusterRoleBinding", false), {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: crb },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "stagegate-environment-viewer",
      },
      subjects: [{ kind: "Group", name: saGroup, apiGroup: "rbac.authorization.k8s.io" }],
    });
    await admin.create(
      coreResources.serviceAccount,
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "calendar-reader" } },
      teamA,
    );
    token = await requestToken(admin, teamA, "calendar-reader");
    // Team B: the local team (bob and the others), where team A's reader has no right.
    teamB = await createTestNamespace(admin, "cal-team-b");
    await admin.create(resources.environment, {
      apiVersion: API_VERSION,
      kind: "Environment",
      metadata: { name: env },
      spec: {
        gate: {
          freezes: [
            { name: "year-end", start: soon(1), end: soon(3), reason: "holidays, skeleton crew; no deploys" },
          ],
        },
      },
    });
    await plan(teamA, "team-a-change");
    await plan(teamB, "team-b-secret");

    dir = mkdtempSync(path.join(tmpdir(), "stagegate-calendar-"));
    caPem = writeSelfSignedMetricsCert(dir);
    const apiServer = leanKubeCredentials(kubeconfigPath("operator"));
    assert.ok(apiServer !== undefined);
    server = await startHttpsServer({
      address: "127.0.0.1:0",
      certFile: path.join(dir, "tls.crt"),
      keyFile: path.join(dir, "tls.key"),
      log: silentLogger,
      handle: calendarFeedHandler({
        review: (t) => reviewToken(operator.transport, t),
        clientFor: (t) => userClient(apiServer, t),
        log: silentLogger,
        now: () => new Date(),
      }),
      answerFailure: (res) => res.writeHead(500).end(),
      messages: { requestFailed: "Failed", serverFailed: "Failed" },
    });
  });

  after(async () => {
    await server?.close();
    await admin.delete(rbac("clusterrolebindings", "ClusterRoleBinding", false), crb).catch(() => undefined);
    await admin.delete(resources.environment, env).catch(() => undefined);
    for (const ns of [teamA, teamB]) await admin.delete(builtin.namespace, ns).catch(() => undefined);
    operator.close();
    admin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a request without a token with 401 and a Basic challenge", async () => {
    const answer = await get(feed(`?namespace=${teamA}`), caPem);
    assert.equal(answer.status, 401);
    assert.match(String(answer.headers["www-authenticate"]), /^Basic realm="stagegate-calendar"/);
    assert.doesNotMatch(answer.body, /team-a-change|BEGIN:VCALENDAR/);
  });

  it("refuses a token the API server does not accept, as Basic or Bearer, with 401", async () => {
    for (const authorization of [
      basic("not-a-token"),
      "Bearer not-a-token",
      basic(`${token}x`),
      "Basic Og==",
    ]) {
      const answer = await get(feed(`?namespace=${teamA}`), caPem, authorization);
      assert.equal(answer.status, 401, authorization.slice(0, 12));
      assert.doesNotMatch(answer.body, /team-a-change/);
    }
  });

  it("refuses team A's reader another team's namespace, or every namespace, with 403 naming it", async () => {
    const other = await get(feed(`?namespace=${teamA}&namespace=${teamB}`), caPem, basic(token));
    assert.equal(other.status, 403);
    assert.match(
      other.body,
      new RegExp(`may not list (changerequests|deploymenttasks) in namespace ${teamB}`),
    );
    assert.doesNotMatch(other.body, /team-b-secret/);
    const all = await get(feed("?allNamespaces=true"), caPem, basic(token));
    assert.equal(all.status, 403);
    assert.doesNotMatch(all.body, /team-b-secret/);
  });

  it("serves team A's reader an RFC 5545 calendar of what it may read", async () => {
    const answer = await get(feed(`?namespace=${teamA}&environment=${env}`), caPem, basic(token));
    assert.equal(answer.status, 200, answer.body);
    assert.match(String(answer.headers["content-type"]), /^text\/calendar; charset=utf-8/);
    assert.match(String(answer.headers["cache-control"]), /no-store/);
    const ics = unfold(answer.body);
    assert.ok(ics.startsWith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    const uid = (await admin.get(resources.changeRequest, "team-a-change", teamA)).metadata.uid ?? "";
    assert.match(ics, new RegExp(`\\r\\nUID:change/${uid}@stagegate\\.io\\r\\n`));
    assert.match(
      ics,
      /\r\nSUMMARY:Freeze year-end on cal-env-[0-9a-f]+: holidays\\, skeleton crew\\; no deploys\r\n/,
    );
    assert.doesNotMatch(ics, /team-b-secret/);
    for (const line of answer.body.split("\r\n")) assert.ok(Buffer.byteLength(line) <= 75, line);
    // The same subscription read again gives the same UIDs (clients update events instead of duplicating them).
    const again = await get(feed(`?namespace=${teamA}&environment=${env}`), caPem, `Bearer ${token}`);
    const uids = (text: string): string[] =>
      unfold(text)
        .split("\r\n")
        .filter((l) => l.startsWith("UID:"));
    assert.deepEqual(uids(again.body), uids(answer.body));
  });

  it("answers 400 naming the parameter when no namespace is named", async () => {
    const answer = await get(feed(""), caPem, basic(token));
    assert.equal(answer.status, 400);
    assert.match(answer.body, /namespace=team-a \(repeatable\) or allNamespaces=true/);
  });

  it("stagegate calendar shows bob his team's change and the freeze, and names a namespace he may not read", async () => {
    const mine = await stagegateAs("bob", ["calendar", "-n", teamB, "--environment", env, "-o", "json"]);
    assert.equal(mine.code, 0, mine.stderr);
    const body = JSON.parse(mine.stdout) as {
      events: { kind: string; source: { name: string } }[];
      refused: unknown[];
    };
    assert.deepEqual(body.events.map((e) => `${e.kind}:${e.source.name}`).sort(), [
      `Change:team-b-secret`,
      `Freeze:${env}`,
    ]);
    assert.deepEqual(body.refused, []);

    const theirs = await stagegateAs("bob", ["calendar", "-n", teamA, "--environment", env]);
    assert.equal(theirs.code, 1);
    assert.match(
      theirs.stderr,
      new RegExp(`Could not read changerequests in namespace "${teamA}": .*bob.* cannot list`),
    );
    assert.doesNotMatch(theirs.stdout, /team-a-change/);
    assert.match(theirs.stdout, /Freeze year-end/);
  });

  it("stagegate calendar shows the schedule conflict it can see and writes an .ics file with CRLF lines", async () => {
    const file = path.join(dir, "team-b.ics");
    const result = await stagegateAs("bob", [
      "calendar",
      "-n",
      teamB,
      "--environment",
      env,
      "-o",
      "ics",
      "--file",
      file,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const text = readFileSync(file, "utf8");
    assert.ok(text.endsWith("END:VCALENDAR\r\n"));
    assert.equal(text.split("\n").filter((l) => l !== "" && !l.endsWith("\r")).length, 0);

    const table = await stagegateAs("bob", ["calendar", "-n", teamB, "--environment", env]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      new RegExp(
        `ChangeRequest/${teamB}/team-b-secret +PlannedInFreeze +The planned window overlaps the freeze year-end`,
      ),
    );
  });
});
