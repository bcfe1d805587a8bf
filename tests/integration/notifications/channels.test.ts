// NotificationRoutes against real receivers: a real Exim from Debian on a loopback port (mail read back from its
// maildir) and real HTTPS receivers for the Slack, Teams and signed webhook channels. Routes and Secrets are real
// objects on the real API server; the notifier runs as the operator's identity with the shipped RBAC.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { verifyPushSignature } from "../../../src/audit/push/signature.js";
import { isInvalid } from "../../../src/runtime/kube/api-error.js";
import { startSmtpServer, type SmtpServer } from "../../../hack/smtp/server.js";
import { resources } from "../../../src/controllers/resources.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { createTestNamespace, waitFor } from "../../support/kube.js";
import { counterValue, NotificationWorld } from "./world.js";

const HMAC_KEY = "k".repeat(16) + "0123456789abcdef0123456789abcdef";
const SLACK_TOKEN = "T000/B000/slack-secret-token-xyz";

describe("notification channels", () => {
  const world = new NotificationWorld();
  let smtp: SmtpServer;

  before(async () => {
    await world.setUp("notify-channels");
    smtp = await startSmtpServer();
  });
  after(async () => {
    await smtp?.stop();
    await world.tearDown();
  });

  it("refuses bad routes at admission, naming the field and the fix", async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [
        "smtp-without-emails",
        { actions: ["ChangeApproved"], channel: { type: "smtp", secretRef: { name: "mail" } } },
        /spec\.recipients\.emails.*an smtp route needs recipients\.emails/,
      ],
      [
        "emails-on-slack",
        {
          actions: ["ChangeApproved"],
          recipients: { emails: ["a@example.com"] },
          channel: { type: "slack", secretRef: { name: "chat" } },
        },
        /spec\.recipients\.emails.*for channel smtp only/,
      ],
      [
        "unknown-role",
        {
          actions: ["TaskEscalated"],
          recipients: { roles: ["Janitor"] },
          channel: { type: "smtp", secretRef: { name: "mail" } },
        },
        /spec\.recipients\.roles\[0\].*Unsupported value/,
      ],
      [
        "bad-action",
        { actions: ["change approved"], channel: { type: "slack", secretRef: { name: "chat" } } },
        /spec\.actions\[0\]/,
      ],
      [
        "unknown-channel",
        { actions: ["ChangeApproved"], channel: { type: "pager", secretRef: { name: "chat" } } },
        /spec\.channel\.type.*Unsupported value/,
      ],
      ["no-secret", { actions: ["ChangeApproved"], channel: { type: "teams" } }, /spec\.channel\.secretRef/],
    ];
    for (const [name, spec, expected] of cases) {
      await assert.rejects(world.route(name, spec), (err: Error) => {
        assert.ok(isInvalid(err), `${name}: ${err.message}`);
        assert.match(err.message, expected, name);
        return true;
      });
    }
  });

  it("delivers signed webhooks once per event, only for its own namespace, actions and environments", async () => {
    await world.secret("hook", { url: world.url("/hook"), hmacKey: HMAC_KEY, caCert: world.caPem });
    await world.route("hook", {
      actions: ["ReleasePromoted", "EnvironmentFailed"],
      environments: ["prod"],
      recipients: { users: ["alice"], groups: ["sre"] },
      channel: { type: "webhook", secretRef: { name: "hook" } },
    });
    const { notifier } = await world.notifier();
    await notifier.passAll(); // follows the record from the route's creation
    await world.record("ReleasePromoted", "checkout", { environment: "prod" });
    await world.record("ReleasePromoted", "checkout", { environment: "staging" }); // another environment
    await world.record("TargetLocked", "checkout", { environment: "prod" }); // another action
    await world.record("EnvironmentFailed", "checkout", { environment: "prod" }, "other-team"); // another namespace
    await world.record("EnvironmentFailed", "billing", { environment: "prod", reason: "health Degraded" });
    for (let i = 0; i < 3; i++) await notifier.passAll();
    const received = world.receiver.at("/hook");
    assert.equal(received.length, 2);
    const events = received.map((request) => {
      assert.ok(
        verifyPushSignature(
          Buffer.from(HMAC_KEY),
          String(request.headers["x-stagegate-timestamp"]),
          request.body,
          String(request.headers["x-stagegate-signature"]),
        ),
        "signed with the Secret's key over timestamp.body",
      );
      const body = JSON.parse(request.body) as {
        id: string;
        users: string[];
        groups: string[];
        event: {
          action: string;
          object: { namespace: string; name: string };
          details: { environment: string };
        };
      };
      assert.equal(request.headers["x-stagegate-delivery"], body.id);
      assert.deepEqual([body.users, body.groups], [["alice"], ["sre"]]);
      return `${body.event.action} ${body.event.object.namespace}/${body.event.object.name} ${body.event.details.environment}`;
    });
    assert.deepEqual(events, [
      `ReleasePromoted ${world.namespace}/checkout prod`,
      `EnvironmentFailed ${world.namespace}/billing prod`,
    ]);
    const status = await world.status("hook");
    assert.equal(status.delivered, 2);
    assert.equal(status.failed ?? 0, 0);
    assert.deepEqual(status.inFlight, []);
    assert.equal(status.conditions?.find((c) => c.type === "Delivering")?.status, "True");
    assert.equal(status.conditions?.find((c) => c.type === "DeliveryFailing")?.status, "False");
  });

  it("posts Slack and Teams messages that carry the event and never the Secret", async () => {
    await world.secret("slack", { url: world.url(`/services/${SLACK_TOKEN}`), caCert: world.caPem });
    await world.secret("teams", { url: world.url("/teams/webhookb2/abc"), caCert: world.caPem });
    await world.route("slack", {
      actions: ["ChangeApproved"],
      recipients: { users: ["bob"] },
      channel: { type: "slack", secretRef: { name: "slack" } },
    });
    await world.route("teams", {
      actions: ["ChangeApproved"],
      channel: { type: "teams", secretRef: { name: "teams" } },
    });
    const { notifier } = await world.notifier();
    await notifier.passAll();
    await world.record("ChangeApproved", "checkout-cr", { environment: "prod", comment: "CAB ok" });
    await notifier.passAll();
    const slack = world.receiver.at(`/services/${SLACK_TOKEN}`);
    assert.equal(slack.length, 1);
    const text = (JSON.parse(slack[0]?.body ?? "{}") as { text: string }).text;
    assert.match(
      text,
      new RegExp(`^ChangeApproved: Release ${world.namespace}/checkout-cr in prod by stagegate-operator`),
    );
    assert.match(text, /For: bob\./);
    assert.match(text, /CAB ok/);
    assert.doesNotMatch(text, /slack-secret-token/);
    const teams = world.receiver.at("/teams/webhookb2/abc");
    assert.equal(teams.length, 1);
    const card = JSON.parse(teams[0]?.body ?? "{}") as Record<string, string>;
    assert.equal(card["@type"], "MessageCard");
    assert.match(card.title ?? "", /^ChangeApproved: Release/);
  });

  it("mails each recipient once through a real SMTP server", async () => {
    await world.secret("mail", {
      host: smtp.host,
      port: String(smtp.port),
      from: "stagegate@example.com",
      security: "none",
    });
    await world.route("mail", {
      actions: ["RollbackTaskOpened"],
      recipients: { emails: ["oncall@example.com", "lead@example.com"], groups: ["sre"] },
      channel: { type: "smtp", secretRef: { name: "mail" } },
    });
    const { notifier, metrics } = await world.notifier();
    await notifier.passAll();
    await world.record("RollbackTaskOpened", "checkout", { environment: "prod", alert: "HighErrorRate" });
    await world.record("RollbackTaskOpened", "billing", { environment: "prod", alert: "Latency" });
    await notifier.passAll();
    await notifier.passAll();
    const mails = await waitFor("four mails in the maildir", () => {
      const found = smtp.mails();
      return found.length >= 4 ? found : undefined;
    });
    // Exim logs each message it accepted ("<=") before it answers the sender: four accepted, no fifth.
    assert.equal(
      smtp
        .log()
        .split("\n")
        .filter((line) => line.includes(" <= ")).length,
      4,
    );
    const seen = mails.map((mail) => `${mail.recipient} ${mail.headers.subject}`).sort();
    assert.deepEqual(seen, [
      `lead@example.com [stagegate] RollbackTaskOpened: Release ${world.namespace}/billing in prod by stagegate-operator`,
      `lead@example.com [stagegate] RollbackTaskOpened: Release ${world.namespace}/checkout in prod by stagegate-operator`,
      `oncall@example.com [stagegate] RollbackTaskOpened: Release ${world.namespace}/billing in prod by stagegate-operator`,
      `oncall@example.com [stagegate] RollbackTaskOpened: Release ${world.namespace}/checkout in prod by stagegate-operator`,
    ]);
    assert.equal(new Set(mails.map((mail) => mail.headers["x-stagegate-delivery"])).size, 4);
    assert.ok(mails.every((mail) => /For: group sre\./.test(mail.body)));
    assert.equal(await counterValue(metrics.attempts, { channel: "smtp", result: "delivered" }), 4);
    assert.equal((await world.status("mail")).delivered, 4);
  });

  it("mails a route's roles at the addresses the event's Environment binds, per team for the team's namespace", async () => {
    const environment = `notify-roles-${world.namespace}`;
    // Group names of this file's own: an AddressBook another test applies to the shared cluster (the samples' maps
    // `cab`) would add its members' addresses.
    const group = (name: string): string => `${name}-${world.namespace}`;
    await world.admin.create(resources.environment, {
      apiVersion: "stagegate.io/v1alpha1",
      kind: "Environment",
      metadata: { name: environment },
      spec: {
        roles: [
          { role: "QA", members: [{ kind: "Group", name: group("qa") }], emails: ["qa@example.com"] },
          {
            role: "CAB",
            members: [{ kind: "Group", name: group("cab") }],
            emails: ["cab-board@example.com"],
          },
        ],
        teamRoles: [
          {
            team: "payments",
            namespaces: [world.namespace],
            roles: [
              {
                role: "QA",
                members: [{ kind: "Group", name: group("payments-qa") }],
                emails: ["payments-qa@example.com"],
              },
            ],
          },
        ],
      },
    });
    // The team's TeamRoleBindings add their holders' addresses: this environment's, not another's (ADR 0056).
    const teamBinding = (
      name: string,
      environments: string[],
      email: string,
      namespaces = [world.namespace],
    ) =>
      world.admin.create(resources.teamRoleBinding, {
        apiVersion: "stagegate.io/v1alpha1",
        kind: "TeamRoleBinding",
        metadata: { name: `${name}-${world.namespace}` },
        spec: {
          team: "payments",
          ...(namespaces.length === 0 ? {} : { namespaces }),
          environments,
          roles: [{ role: "QA", members: [{ kind: "Group", name: group("payments-qa") }], emails: [email] }],
        },
      });
    await teamBinding("payments-here", [environment], "payments-qa-lead@example.com");
    await teamBinding("payments-other", [`${environment}-other`], "not-this-environment@example.com");
    // A binding for every namespace of the team reaches this one once an administrator labels it for the team.
    await teamBinding("payments-labelled", [environment], "payments-labelled@example.com", []);
    await world.admin.patch(
      builtin.namespace,
      world.namespace,
      undefined,
      { metadata: { labels: { "stagegate.io/team": "payments" } } },
      { type: "merge" },
    );
    try {
      await world.secret("mail-roles", {
        host: smtp.host,
        port: String(smtp.port),
        from: "stagegate@example.com",
        security: "none",
      });
      await world.route("mail-roles", {
        actions: ["TaskEscalated"],
        recipients: { roles: ["QA", "CAB"] },
        channel: { type: "smtp", secretRef: { name: "mail-roles" } },
      });
      const { notifier } = await world.notifier();
      await notifier.passAll();
      await world.record("TaskEscalated", "uat", { environment, level: 1 });
      await world.record("TaskEscalated", "elsewhere", { environment: "no-such-environment", level: 1 });
      await notifier.passAll();
      await notifier.passAll();
      const mails = await waitFor("the role mails in the maildir", () => {
        const found = smtp.mails().filter((mail) => /TaskEscalated/.test(mail.headers.subject ?? ""));
        return found.length >= 4 ? found : undefined;
      });
      // The team binding's QA address (the namespace is payments'), the TeamRoleBindings' for this environment (by
      // name, and by the Namespace's label), the environment's CAB address, and nothing for an event whose
      // Environment does not exist.
      assert.deepEqual(mails.map((mail) => mail.recipient).sort(), [
        "cab-board@example.com",
        "payments-labelled@example.com",
        "payments-qa-lead@example.com",
        "payments-qa@example.com",
      ]);
      assert.equal((await world.status("mail-roles")).delivered, 4);
    } finally {
      await world.admin.delete(resources.environment, environment);
      for (const name of ["payments-here", "payments-other", "payments-labelled"]) {
        await world.admin.delete(resources.teamRoleBinding, `${name}-${world.namespace}`);
      }
    }
  });

  it("mails each holder of a role at the administrators' address book address, each address once per event", async () => {
    // Names unique to this file, so no other test's AddressBook (cluster-scoped, shared cluster) maps them.
    const id = world.namespace;
    const [alice, carol, nobody, cab] = [`alice-${id}`, `carol-${id}`, `nobody-${id}`, `cab-${id}`];
    const environment = `notify-book-${id}`;
    const book = `people-${id}`;
    await world.admin.create(resources.addressBook, {
      apiVersion: "stagegate.io/v1alpha1",
      kind: "AddressBook",
      metadata: { name: book },
      spec: {
        users: [
          { name: alice, email: `alice.${id}@example.com` },
          { name: carol, email: `carol.${id}@example.com` },
        ],
        groups: [{ name: cab, email: `cab.${id}@example.com` }],
      },
    });
    await world.admin.create(resources.environment, {
      apiVersion: "stagegate.io/v1alpha1",
      kind: "Environment",
      metadata: { name: environment },
      spec: {
        roles: [
          {
            role: "CAB",
            // alice in person and through the group; nobody has no address; the role's own list repeats the group's.
            members: [
              { kind: "User", name: alice },
              { kind: "Group", name: cab },
              { kind: "User", name: nobody },
            ],
            emails: [`board.${id}@example.com`, `CAB.${id}@example.com`],
          },
          { role: "QA", members: [{ kind: "User", name: carol }] },
        ],
      },
    });
    try {
      await world.secret("mail-book", {
        host: smtp.host,
        port: String(smtp.port),
        from: "stagegate@example.com",
        security: "none",
      });
      await world.route("mail-book", {
        actions: ["ApprovalEscalated"],
        // The route's own address is alice's too, spelled otherwise: still one mail.
        recipients: { emails: [`Alice.${id}@Example.com`], roles: ["CAB", "QA"] },
        channel: { type: "smtp", secretRef: { name: "mail-book" } },
      });
      const { notifier } = await world.notifier();
      await notifier.passAll();
      await world.record("ApprovalEscalated", "checkout-cr", { environment, level: 2 });
      for (let i = 0; i < 3; i++) await notifier.passAll();
      const ours = () => smtp.mails().filter((mail) => mail.recipient.endsWith(`${id}@example.com`));
      const mails = await waitFor("the role members' mails in the maildir", () => {
        const found = ours();
        return found.length >= 4 ? found : undefined;
      });
      assert.deepEqual(mails.map((mail) => mail.recipient).sort(), [
        `alice.${id}@example.com`,
        `board.${id}@example.com`,
        `cab.${id}@example.com`,
        `carol.${id}@example.com`,
      ]);
      assert.equal(new Set(mails.map((mail) => mail.headers["x-stagegate-delivery"])).size, 4);
      // The body is quoted-printable: long lines are folded with a soft break ("=" at the end of a line).
      const body = (mails[0]?.body ?? "").replace(/=\r?\n/g, "");
      assert.match(
        body,
        new RegExp(`For: role CAB \\(${alice}, group ${cab}, ${nobody}\\), role QA \\(${carol}\\)\\.`),
      );
      const status = await world.status("mail-book");
      assert.equal(status.delivered, 4);
      assert.equal(status.failed ?? 0, 0);
      // Passes after the event send nothing more: at most once per address, route and event.
      await notifier.passAll();
      assert.equal(ours().length, 4);
    } finally {
      await world.admin.delete(resources.environment, environment);
      await world.admin.delete(resources.addressBook, book);
    }
  });

  it("names a role and its holders in chat messages, which have no per-person delivery", async () => {
    const environment = `notify-chat-roles-${world.namespace}`;
    await world.admin.create(resources.environment, {
      apiVersion: "stagegate.io/v1alpha1",
      kind: "Environment",
      metadata: { name: environment },
      spec: {
        roles: [
          {
            role: "QA",
            members: [
              { kind: "User", name: "carol" },
              { kind: "Group", name: "qa" },
            ],
            emails: ["qa@example.com"],
          },
        ],
      },
    });
    try {
      await world.secret("slack-roles", { url: world.url("/services/roles"), caCert: world.caPem });
      await world.secret("hook-roles", {
        url: world.url("/hook-roles"),
        hmacKey: HMAC_KEY,
        caCert: world.caPem,
      });
      await world.route("slack-roles", {
        actions: ["TaskEscalated"],
        recipients: { roles: ["QA", "CAB"] },
        channel: { type: "slack", secretRef: { name: "slack-roles" } },
      });
      await world.route("hook-roles", {
        actions: ["TaskEscalated"],
        recipients: { roles: ["QA"] },
        channel: { type: "webhook", secretRef: { name: "hook-roles" } },
      });
      const { notifier } = await world.notifier();
      await notifier.passAll();
      await world.record("TaskEscalated", "uat-chat", { environment, level: 1 });
      await notifier.passAll();
      await notifier.passAll();
      // A route delivers what was recorded from its creation on, to the second: an earlier test's TaskEscalated in
      // the same second may come too; this test's event is the one about uat-chat.
      const ours = (posts: { body: string }[]) => posts.filter((post) => post.body.includes("uat-chat"));
      const slack = ours(world.receiver.at("/services/roles"));
      assert.equal(slack.length, 1, "one message per event on the channel");
      const text = (JSON.parse(slack[0]?.body ?? "{}") as { text: string }).text;
      // CAB is held by nobody in this Environment: it is not named.
      assert.match(text, /For: role QA \(carol, group qa\)\./);
      assert.doesNotMatch(text, /qa@example\.com/);
      const hook = ours(world.receiver.at("/hook-roles"));
      assert.equal(hook.length, 1);
      const body = JSON.parse(hook[0]?.body ?? "{}") as { roles: unknown };
      assert.deepEqual(body.roles, [{ role: "QA", members: ["carol", "group qa"] }]);
    } finally {
      await world.admin.delete(resources.environment, environment);
    }
  });

  it("retries an address the SMTP server defers, gives up one it refuses, and still mails the others", async () => {
    await world.secret("mail-mixed", {
      host: smtp.host,
      port: String(smtp.port),
      from: "stagegate@example.com",
      security: "none",
    });
    await world.route("mail-mixed", {
      actions: ["ChangeRejected"],
      recipients: { emails: ["tempfail@example.com", "refused@example.com", "cab@example.com"] },
      channel: { type: "smtp", secretRef: { name: "mail-mixed" } },
    });
    const { notifier, metrics } = await world.notifier({ maxAttempts: 5 });
    await notifier.passAll();
    await world.record("ChangeRejected", "checkout-cr", { environment: "prod" });
    await notifier.passAll();
    await waitFor("the mail to cab@example.com", () =>
      smtp.mails().some((mail) => mail.recipient === "cab@example.com") ? true : undefined,
    );
    const status = await world.status("mail-mixed");
    assert.equal(status.delivered, 1);
    assert.equal(status.failed, 1, "the refused address is given up at once");
    assert.deepEqual(
      status.retries?.map((retry) => [retry.recipient, retry.attempts]),
      [["tempfail@example.com", 1]],
    );
    assert.match(status.retries?.[0]?.lastError ?? "", /451.*mailbox busy/);
    const failing = status.conditions?.find((c) => c.type === "DeliveryFailing");
    assert.equal(failing?.status, "True");
    assert.equal(await counterValue(metrics.attempts, { channel: "smtp", result: "retry" }), 1);
    assert.equal(await counterValue(metrics.attempts, { channel: "smtp", result: "failed" }), 1);
    assert.ok(!smtp.mails().some((mail) => /tempfail|refused/.test(mail.recipient)));
  });

  it("delivers only events about objects that carry the selector's labels, read from the object itself", async () => {
    const task = async (name: string, labels: Record<string, string>): Promise<string> => {
      const created = await world.admin.create(
        resources.deploymentTask,
        {
          apiVersion: "stagegate.io/v1alpha1",
          kind: "DeploymentTask",
          metadata: { name, namespace: world.namespace, labels },
          spec: { type: "Checklist", title: name, checklist: [{ name: "one" }] },
        },
        world.namespace,
      );
      return created.metadata.uid ?? "";
    };
    const ours = await task("ours", { team: "checkout" });
    const theirs = await task("theirs", { team: "billing" });
    await world.secret("labelled", { url: world.url("/labelled"), hmacKey: HMAC_KEY, caCert: world.caPem });
    await world.route("labelled", {
      actions: ["TaskItemCompleted"],
      selector: { matchLabels: { team: "checkout" } },
      channel: { type: "webhook", secretRef: { name: "labelled" } },
    });
    const { notifier } = await world.notifier();
    await notifier.passAll();
    await world.recordAbout("TaskItemCompleted", { kind: "DeploymentTask", name: "ours", uid: ours });
    await world.recordAbout("TaskItemCompleted", { kind: "DeploymentTask", name: "theirs", uid: theirs });
    // An event about an earlier object of the same name (another uid): the labels of today's object do not count.
    await world.recordAbout("TaskItemCompleted", {
      kind: "DeploymentTask",
      name: "ours",
      uid: "an-earlier-uid",
    });
    await world.recordAbout("TaskItemCompleted", { kind: "DeploymentTask", name: "gone", uid: "gone-uid" });
    await notifier.passAll();
    const received = world.receiver
      .at("/labelled")
      .map(
        (request) => (JSON.parse(request.body) as { event: { object: { uid: string } } }).event.object.uid,
      );
    assert.deepEqual(received, [ours]);
  });

  it("reads a Secret only from the route's own namespace, whatever the route says", async () => {
    const other = await createTestNamespace(world.admin, "notify-other");
    try {
      await world.bindSecretReader(other);
      await world.secret(
        "foreign",
        { url: world.url("/foreign"), hmacKey: HMAC_KEY, caCert: world.caPem },
        other,
      );
      await world.route("foreign", {
        actions: ["ReleasePromoted"],
        channel: { type: "webhook", secretRef: { name: "foreign", namespace: other } },
      });
      const { notifier } = await world.notifier();
      await world.record("ReleasePromoted", "checkout", { environment: "dev" });
      await notifier.passAll();
      assert.equal(world.receiver.at("/foreign").length, 0);
      const failing = await world.condition("foreign", "DeliveryFailing");
      assert.equal(failing?.reason, "SecretNotFound");
      assert.match(
        failing?.message ?? "",
        new RegExp(`the Secret ${world.namespace}/foreign does not exist`),
      );
    } finally {
      await world.admin.delete(builtin.namespace, other);
    }
  });

  it("refuses internal destinations the operator does not allow, and says so on the route", async () => {
    await world.secret("internal", { url: world.url("/internal"), hmacKey: HMAC_KEY, caCert: world.caPem });
    await world.route("internal", {
      actions: ["ReleasePromoted"],
      channel: { type: "webhook", secretRef: { name: "internal" } },
    });
    const { notifier, metrics } = await world.notifier({ allowLoopback: false });
    await world.record("ReleasePromoted", "checkout", { environment: "dev" });
    await notifier.passAll();
    assert.equal(world.receiver.at("/internal").length, 0);
    const failing = await world.condition("internal", "DeliveryFailing");
    assert.equal(failing?.status, "True");
    assert.equal(failing?.reason, "DestinationRefused");
    assert.match(failing?.message ?? "", /127\.0\.0\.1 .*internal address.*--notification-allowed-networks/);
    assert.ok((await counterValue(metrics.attempts, { channel: "webhook", result: "unconfigured" })) >= 1);
  });
});

describe("a namespace that has not granted its Secrets", () => {
  const world = new NotificationWorld();
  before(() => world.setUp("notify-nosecret", { bindSecrets: false }));
  after(() => world.tearDown());

  it("gets nothing delivered, and the route names the binding to create", async () => {
    await world.secret("hook", { url: world.url("/hook"), hmacKey: HMAC_KEY, caCert: world.caPem });
    await world.route("hook", {
      actions: ["ReleasePromoted"],
      channel: { type: "webhook", secretRef: { name: "hook" } },
    });
    const { notifier } = await world.notifier();
    await world.record("ReleasePromoted", "checkout", { environment: "dev" });
    await notifier.passAll();
    assert.equal(world.receiver.requests.length, 0);
    const failing = await world.condition("hook", "DeliveryFailing");
    assert.equal(failing?.reason, "SecretForbidden");
    assert.match(failing?.message ?? "", /bind the ClusterRole stagegate-notification-secrets/);
    // Granted later, the waiting event is delivered: nothing was skipped.
    await world.bindSecretReader(world.namespace);
    await waitFor("the waiting event delivered", async () => {
      await notifier.passAll();
      return world.receiver.at("/hook").length === 1 ? true : undefined;
    });
    assert.equal((await world.condition("hook", "DeliveryFailing"))?.status, "False");
  });
});
