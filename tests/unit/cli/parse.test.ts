import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UsageError } from "../../../src/cli/errors.js";
import type { AnyVerb } from "../../../src/cli/verb.js";
import { auditVerifyVerb } from "../../../src/cli/verbs/audit-verify.js";
import { changesVerb } from "../../../src/cli/verbs/changes.js";
import { approveVerb, deferVerb, rejectVerb } from "../../../src/cli/verbs/decide.js";
import { whoamiVerb } from "../../../src/cli/verbs/whoami.js";

const ENV = { HOME: "/home/ann" };

describe("CLI flag parsing: what is accepted", () => {
  it("defaults the kubeconfig to $KUBECONFIG (all its files), then ~/.kube/config; the flag wins", () => {
    assert.equal(whoamiVerb.parse([], ENV).kubeconfig, "/home/ann/.kube/config");
    assert.equal(
      whoamiVerb.parse([], { ...ENV, KUBECONFIG: "/a.yaml::/b.yaml" }).kubeconfig,
      "/a.yaml:/b.yaml",
    );
    assert.equal(
      whoamiVerb.parse(["--kubeconfig", "/c.yaml"], { KUBECONFIG: "/a.yaml" }).kubeconfig,
      "/c.yaml",
    );
  });

  it("leaves the namespace to the kubeconfig context unless -n or --namespace is given", () => {
    assert.equal(changesVerb.parse([], ENV).namespace, undefined);
    assert.equal(changesVerb.parse(["-n", "team-a"], ENV).namespace, "team-a");
    assert.equal(changesVerb.parse(["--namespace=team-b"], ENV).namespace, "team-b");
  });

  it("reads the output format and the changes filters", () => {
    const options = changesVerb.parse(["--pending-for-me", "-A", "-o", "json"], ENV);
    assert.deepEqual(
      { output: options.output, pendingForMe: options.pendingForMe, all: options.allNamespaces },
      { output: "json", pendingForMe: true, all: true },
    );
    assert.equal(changesVerb.parse([], ENV).output, "text");
  });

  it("reads a decision's change, comment and revisit time", () => {
    const approve = approveVerb.parse(["pay-prod", "--comment", "looks good"], ENV);
    assert.deepEqual(
      [approve.change, approve.comment, approve.revisitInMs],
      ["pay-prod", "looks good", undefined],
    );
    assert.equal(deferVerb.parse(["pay-prod", "--revisit-in", "1h30m"], ENV).revisitInMs, 5_400_000);
    const at = deferVerb.parse(["pay-prod", "--revisit-at", "2026-12-08T09:00:00+01:00"], ENV);
    assert.equal(at.revisitAt, "2026-12-08T09:00:00+01:00");
  });

  it("takes the audit file as its one argument", () => {
    assert.equal(auditVerifyVerb.parse(["/var/log/audit.jsonl"], ENV).file, "/var/log/audit.jsonl");
  });
});

/** A row: the verb, its argv, and what the UsageError must say (and whether it asks for the full usage). */
type BadRow = [name: string, verb: AnyVerb, argv: string[], message: RegExp, showUsage?: boolean];

const BAD: BadRow[] = [
  [
    "an unknown flag",
    approveVerb,
    ["pay", "--comit", "x"],
    /unknown flag --comit for "stagegate approve"/,
    true,
  ],
  ["an unknown short flag", changesVerb, ["-x"], /unknown flag -x for "stagegate changes"/, true],
  ["a flag without its value", approveVerb, ["pay", "--comment"], /--comment needs a value/],
  ["a value for a switch", changesVerb, ["--pending-for-me=yes"], /--pending-for-me takes no value/],
  ["an unknown output format", whoamiVerb, ["-o", "yaml"], /--output must be text or json/],
  ["a namespace that is not a name", changesVerb, ["-n", "Team_A"], /--namespace must be a namespace name/],
  [
    "-A together with -n",
    changesVerb,
    ["-A", "-n", "team-a"],
    /--all-namespaces and --namespace cannot be used together/,
  ],
  ["a missing CHANGE", approveVerb, [], /missing CHANGE/, true],
  ["two changes", rejectVerb, ["a", "b"], /unexpected argument "b"/, true],
  ["a CHANGE that is not a name", approveVerb, ["Pay_Prod"], /CHANGE must be a ChangeRequest name/],
  [
    "a comment over 4096 characters",
    approveVerb,
    ["pay", "--comment", "x".repeat(4097)],
    /--comment must be at most 4096/,
  ],
  [
    "defer without a revisit time",
    deferVerb,
    ["pay"],
    /--revisit-in DURATION .* or --revisit-at TIME .* is required/,
  ],
  [
    "defer with both revisit flags",
    deferVerb,
    ["pay", "--revisit-in", "1h", "--revisit-at", "2030-01-01T00:00:00Z"],
    /either --revisit-at or --revisit-in, not both/,
  ],
  [
    "--revisit-in on approve",
    approveVerb,
    ["pay", "--revisit-in", "1h"],
    /--revisit-in is only for "stagegate defer"/,
  ],
  [
    "--revisit-at on reject",
    rejectVerb,
    ["pay", "--revisit-at", "2030-01-01T00:00:00Z"],
    /--revisit-at is only for "stagegate defer"/,
  ],
  [
    "a duration in words",
    deferVerb,
    ["pay", "--revisit-in", "tomorrow"],
    /--revisit-in must be a duration such as 30m, 24h/,
  ],
  ["a duration without a unit", deferVerb, ["pay", "--revisit-in", "24"], /--revisit-in must be a duration/],
  ["a negative duration", deferVerb, ["pay", "--revisit-in=-1h"], /--revisit-in must be a duration/],
  ["a zero duration", deferVerb, ["pay", "--revisit-in", "0s"], /--revisit-in must be longer than 0s/],
  [
    "a date without a time",
    deferVerb,
    ["pay", "--revisit-at", "2026-12-08"],
    /--revisit-at must be an RFC 3339 time with a zone/,
  ],
  [
    "a time without a zone",
    deferVerb,
    ["pay", "--revisit-at", "2026-12-08T09:00:00"],
    /--revisit-at must be an RFC 3339 time/,
  ],
  [
    "a date in words",
    deferVerb,
    ["pay", "--revisit-at", "next week"],
    /--revisit-at must be an RFC 3339 time/,
  ],
  [
    "an impossible date",
    deferVerb,
    ["pay", "--revisit-at", "2026-02-30T09:00:00Z"],
    /--revisit-at must be an RFC 3339 time/,
  ],
  ["audit verify without a file", auditVerifyVerb, [], /missing FILE/, true],
  [
    "audit verify of a database with a password in the URL",
    auditVerifyVerb,
    ["--database-url", "postgresql://auditor:s3cret@db/stagegate"],
    /--database-url must not hold a password.*--password-file/,
  ],
  [
    "audit verify of something that is not PostgreSQL",
    auditVerifyVerb,
    ["--database-url", "mysql://db/stagegate"],
    /--database-url must be a postgresql:\/\/ URL/,
  ],
  [
    "audit verify of a database and a file at once",
    auditVerifyVerb,
    ["--database-url", "postgresql://db/x", "a.jsonl"],
    /unexpected argument "a.jsonl"/,
    true,
  ],
  ["whoami with an argument", whoamiVerb, ["alice"], /unexpected argument "alice"/, true],
];

describe("CLI flag parsing: what is refused, naming the flag and the fix", () => {
  for (const [name, verb, argv, message, showUsage = false] of BAD) {
    it(`refuses ${name} (stagegate ${verb.name} ${argv.join(" ")})`.slice(0, 120), () => {
      assert.throws(
        () => verb.parse(argv, ENV),
        (err: unknown) => {
          assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
          assert.match(err.message, message);
          assert.equal(err.showUsage, showUsage, "whether the full usage is printed");
          return true;
        },
      );
    });
  }
});
