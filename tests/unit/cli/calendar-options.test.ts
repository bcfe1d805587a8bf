import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UsageError } from "../../../src/cli/errors.js";
import { DEFAULT_OPERATOR_USERNAME, resolveRange } from "../../../src/cli/verbs/calendar-options.js";
import { calendarVerb } from "../../../src/cli/verbs/calendar.js";

const ENV = { HOME: "/home/ann" };
const now = new Date("2026-12-06T12:00:00Z");

describe("stagegate calendar flags", () => {
  it("defaults to now until 14 days ahead, as a table", () => {
    const options = calendarVerb.parse([], ENV);
    assert.equal(options.format, "table");
    assert.deepEqual(resolveRange(options, now), {
      since: now,
      until: new Date("2026-12-20T12:00:00Z"),
    });
  });

  it("leaves out the conflicts of changes the chart's operator opened, or those of the operator --operator names", () => {
    assert.equal(calendarVerb.parse([], ENV).operatorUsername, DEFAULT_OPERATOR_USERNAME);
    assert.equal(DEFAULT_OPERATOR_USERNAME, "system:serviceaccount:stagegate-system:stagegate-operator");
    assert.equal(calendarVerb.parse(["--operator", "operator"], ENV).operatorUsername, "operator");
  });

  it("takes RFC 3339 times or durations from now, an environment, a selector, -A and -o ics with --file", () => {
    const options = calendarVerb.parse(
      [
        "--since",
        "2026-12-01T00:00:00Z",
        "--until",
        "720h",
        "--environment",
        "prod",
        "-l",
        "team=payments",
        "-A",
        "-o",
        "ics",
        "--file",
        "x.ics",
      ],
      ENV,
    );
    assert.deepEqual(resolveRange(options, now), {
      since: new Date("2026-12-01T00:00:00Z"),
      until: new Date("2027-01-05T12:00:00Z"),
    });
    assert.equal(options.environment, "prod");
    assert.equal(options.selector.requirements.length, 1);
    assert.equal(options.allNamespaces, true);
    assert.equal(options.file, "x.ics");
  });

  const refused: [string[], RegExp][] = [
    [
      ["--since", "yesterday"],
      /--since must be an RFC 3339 time such as .* or a duration from now such as 72h/,
    ],
    [["--until", "2026-13-01"], /--until must be an RFC 3339 time/],
    [
      ["--since", "2026-12-10T00:00:00Z", "--until", "2026-12-01T00:00:00Z"],
      /--since must be before --until/,
    ],
    [["--since", "2026-01-01T00:00:00Z", "--until", "2027-06-01T00:00:00Z"], /at most 400 days/],
    [["-o", "yaml"], /--output must be table, json or ics/],
    [["--file", "x.ics"], /--file writes an iCalendar file: add -o ics/],
    [["--environment", "Prod!"], /--environment must be an Environment name/],
    [["-l", "owner=ann"], /-l\/--selector: "owner" is not a dimension label/],
    [["-A", "-n", "team-a"], /--all-namespaces and --namespace cannot be used together/],
    [["--operator", ""], /--operator must name the operator's user name/],
    [["--bogus"], /unknown flag --bogus/],
    [["extra"], /unexpected argument "extra"/],
  ];
  for (const [argv, message] of refused) {
    it(`refuses ${argv.join(" ")} with a usage error (exit 2) naming the flag`, () => {
      assert.throws(
        () => calendarVerb.parse(argv, ENV),
        (err: unknown) => err instanceof UsageError && message.test(err.message),
      );
    });
  }

  it("judges a duration range when it runs", () => {
    const options = calendarVerb.parse(["--since", "48h", "--until", "24h"], ENV);
    assert.throws(() => resolveRange(options, now), /--since must be before --until/);
  });
});
