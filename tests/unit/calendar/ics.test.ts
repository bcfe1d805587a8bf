import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { escapeText, foldLine, renderIcs } from "../../../src/calendar/ics.js";
import type { CalendarEvent } from "../../../src/calendar/event.js";

const event: CalendarEvent = {
  uid: "freeze/uid-env-prod/year-end",
  kind: "Freeze",
  start: new Date("2026-12-20T00:00:00Z"),
  end: new Date("2027-01-04T00:00:00Z"),
  environment: "prod",
  summary: "Freeze year-end on prod: holidays, skeleton crew; no deploys",
  description: `Release freeze year-end on prod.\nReason: a\\b ${"ü".repeat(60)}`,
  source: { kind: "Environment", name: "prod" },
};

describe("iCalendar rendering", () => {
  it("escapes backslash, semicolon, comma and newlines, and drops other control characters", () => {
    assert.equal(escapeText("a\\b;c,d\ne\r\nf\u0007"), "a\\\\b\\;c\\,d\\ne\\nf");
  });

  it("folds at 75 octets without splitting a UTF-8 character", () => {
    const folded = foldLine(`DESCRIPTION:${"ü".repeat(100)}`);
    for (const line of folded.split("\r\n")) assert.ok(Buffer.byteLength(line, "utf8") <= 75, line);
    assert.equal(folded.replace(/\r\n /g, ""), `DESCRIPTION:${"ü".repeat(100)}`);
  });

  it("writes one VEVENT per event with UID, DTSTAMP, UTC times and CRLF line ends", () => {
    const text = renderIcs([event], new Date("2026-12-06T19:30:05.123Z"));
    assert.ok(text.startsWith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:"));
    assert.ok(text.endsWith("END:VCALENDAR\r\n"));
    assert.equal(text.split("\n").filter((l) => !l.endsWith("\r")).length, 1, "every line ends in CRLF");
    const unfolded = text.replace(/\r\n /g, "");
    assert.match(unfolded, /\r\nUID:freeze\/uid-env-prod\/year-end@stagegate\.io\r\n/);
    assert.match(unfolded, /\r\nDTSTAMP:20261206T193005Z\r\n/);
    assert.match(unfolded, /\r\nDTSTART:20261220T000000Z\r\nDTEND:20270104T000000Z\r\n/);
    assert.match(
      unfolded,
      /\r\nSUMMARY:Freeze year-end on prod: holidays\\, skeleton crew\\; no deploys\r\n/,
    );
    assert.match(unfolded, /\r\nDESCRIPTION:Release freeze year-end on prod\.\\nReason: a\\\\b ü+\r\n/);
    assert.equal(unfolded.match(/BEGIN:VEVENT/g)?.length, 1);
  });

  it("cannot be made to open a property or an event from user text", () => {
    const hostile = { ...event, summary: "x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:forged", uid: "a\r\nUID:b" };
    const lines = renderIcs([hostile], new Date()).replace(/\r\n /g, "").split("\r\n");
    assert.equal(lines.filter((l) => l === "BEGIN:VEVENT").length, 1);
    assert.equal(lines.filter((l) => l === "END:VEVENT").length, 1);
    assert.deepEqual(
      lines.filter((l) => l.startsWith("UID:")),
      ["UID:a__UID:b@stagegate.io"],
    );
  });
});
