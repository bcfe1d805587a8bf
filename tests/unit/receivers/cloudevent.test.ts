import assert from "node:assert/strict";
import type { IncomingHttpHeaders } from "node:http";
import { describe, it } from "node:test";
import { parseCloudEvent } from "../../../src/receivers/cloudevent.js";

const DATA = { release: { name: "shop-1", namespace: "shop" }, environment: "prod" };
const ENVELOPE = {
  specversion: "1.0",
  id: "run-42-promote",
  source: "https://ci.example.com/shop",
  type: "io.stagegate.build.promoted",
  data: DATA,
};
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const BINARY: IncomingHttpHeaders = {
  "content-type": "application/json",
  "ce-specversion": "1.0",
  "ce-id": "run-42-promote",
  "ce-source": "https://ci.example.com/shop",
  "ce-type": "io.stagegate.build.promoted",
};

describe("CloudEvents parsing", () => {
  for (const contentType of ["application/cloudevents+json; charset=utf-8", "application/json", undefined]) {
    it(`reads a structured event sent as ${contentType ?? "no Content-Type"}`, () => {
      const headers: IncomingHttpHeaders = contentType === undefined ? {} : { "content-type": contentType };
      const parsed = parseCloudEvent(
        headers,
        json({ ...ENVELOPE, subject: "build 42", time: "2026-11-26T09:00:00Z" }),
      );
      assert.ok(parsed.ok, JSON.stringify(parsed));
      assert.equal(parsed.mode, "structured");
      assert.equal(parsed.event.id, "run-42-promote");
      assert.equal(parsed.event.subject, "build 42");
      assert.deepEqual(parsed.event.data, DATA);
    });
  }

  it("reads a binary event: attributes from ce-* headers, data from the body", () => {
    const parsed = parseCloudEvent({ ...BINARY, "ce-time": "2026-11-26T09:00:00+01:00" }, json(DATA));
    assert.ok(parsed.ok, JSON.stringify(parsed));
    assert.equal(parsed.mode, "binary");
    assert.equal(parsed.event.type, "io.stagegate.build.promoted");
    assert.equal(parsed.event.datacontenttype, "application/json");
    assert.equal(parsed.event.time, "2026-11-26T09:00:00+01:00");
    assert.deepEqual(parsed.event.data, DATA);
  });

  const { id: _id, ...noId } = ENVELOPE;
  const { "ce-source": _source, ...noSource } = BINARY;
  const bad: {
    situation: string;
    headers: IncomingHttpHeaders;
    body: Buffer;
    status: number;
    field: string;
    says: RegExp;
  }[] = [
    {
      situation: "no specversion",
      headers: {},
      body: json({ ...ENVELOPE, specversion: undefined }),
      status: 400,
      field: "specversion",
      says: /specversion is required: set it to "1.0"/,
    },
    {
      situation: "another specversion",
      headers: {},
      body: json({ ...ENVELOPE, specversion: "0.3" }),
      status: 400,
      field: "specversion",
      says: /must be "1.0"/,
    },
    {
      situation: "no id",
      headers: {},
      body: json(noId),
      status: 400,
      field: "id",
      says: /^id is required: a unique id/,
    },
    {
      situation: "an empty source",
      headers: {},
      body: json({ ...ENVELOPE, source: "" }),
      status: 400,
      field: "source",
      says: /source must not be empty/,
    },
    {
      situation: "a numeric type",
      headers: {},
      body: json({ ...ENVELOPE, type: 7 }),
      status: 400,
      field: "type",
      says: /type must be a string/,
    },
    {
      situation: "a time that is not RFC 3339",
      headers: {},
      body: json({ ...ENVELOPE, time: "yesterday" }),
      status: 400,
      field: "time",
      says: /time must be an RFC 3339 timestamp/,
    },
    {
      situation: "data_base64",
      headers: {},
      body: json({ ...ENVELOPE, data_base64: "e30=" }),
      status: 400,
      field: "data_base64",
      says: /data_base64 is not supported/,
    },
    {
      situation: "a body that is not JSON",
      headers: { "content-type": "application/json" },
      body: Buffer.from("{nope"),
      status: 400,
      field: "the body",
      says: /the body is not JSON/,
    },
    {
      situation: "a JSON array",
      headers: {},
      body: json([ENVELOPE]),
      status: 400,
      field: "the body",
      says: /must be a JSON object/,
    },
    {
      situation: "a batch",
      headers: { "content-type": "application/cloudevents-batch+json" },
      body: json([ENVELOPE]),
      status: 415,
      field: "Content-Type",
      says: /one event per request/,
    },
    {
      situation: "a form post",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: Buffer.from("a=b"),
      status: 415,
      field: "Content-Type",
      says: /application\/cloudevents\+json/,
    },
    {
      situation: "binary mode without ce-source",
      headers: noSource,
      body: json(DATA),
      status: 400,
      field: "ce-source header",
      says: /^ce-source header is required/,
    },
    {
      situation: "binary mode with text data",
      headers: { ...BINARY, "content-type": "text/plain" },
      body: Buffer.from("hi"),
      status: 415,
      field: "Content-Type",
      says: /send data as application\/json/,
    },
  ];
  for (const row of bad) {
    it(`refuses ${row.situation}, naming ${row.field}`, () => {
      const parsed = parseCloudEvent(row.headers, row.body);
      assert.equal(parsed.ok, false);
      if (parsed.ok) return;
      assert.equal(parsed.status, row.status);
      assert.equal(parsed.field, row.field);
      assert.match(parsed.message, row.says);
    });
  }
});
