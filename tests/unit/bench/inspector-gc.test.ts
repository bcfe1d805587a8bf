// The heap reading after a forced GC that `make bench-scale` takes through the operator's inspector, and the memory
// table it prints from it. The parsers are checked on text as Node and the DevTools Protocol write it; the reading
// itself against a real Node process with its inspector on, holding memory and then letting it go.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { after, before, describe, it } from "node:test";
import {
  InspectorError,
  InspectorSession,
  evaluatedBytes,
  heapUsedAfterGc,
  inspectorUrl,
  parseInspectorMessage,
} from "../../../hack/bench/inspector-gc.js";
import { formatMemory, heapPerThousand, type MemoryReadings } from "../../../hack/bench/scale-report.js";
import { waitFor } from "../../support/kube.js";

const MiB = 2 ** 20;
const URL = "ws://127.0.0.1:41235/5d6c4f0e-2b1a-4c39-9d0e-7f3a1b2c4d5e";

describe("the inspector's URL and replies", () => {
  it("finds the URL Node prints on stderr among the operator's JSON log lines", () => {
    const log = [
      `Debugger listening on ${URL}`,
      "For help, see: https://nodejs.org/learn/getting-started/debugging",
      '{"level":"info","msg":"Serving probes and metrics","metricsPort":40001}',
      "Debugger attached.",
      `Debugger ending on ${URL}`,
    ].join("\n");
    assert.equal(inspectorUrl(log), URL);
    assert.equal(inspectorUrl('{"level":"info","msg":"Starting"}\n'), undefined);
    // Only loopback: an inspector listening elsewhere is not one this benchmark started.
    assert.equal(inspectorUrl(`Debugger listening on ws://0.0.0.0:9229/${URL.slice(-36)}`), undefined);
  });

  it("tells replies, refusals and events apart, and rejects what is no protocol message", () => {
    const method = (id: number): string => (id === 7 ? "HeapProfiler.collectGarbage" : "?");
    assert.deepEqual(parseInspectorMessage('{"id":7,"result":{}}', method), { id: 7, result: {} });
    assert.deepEqual(
      parseInspectorMessage('{"method":"Runtime.executionContextCreated","params":{}}', method),
      { event: true },
    );
    const refused = parseInspectorMessage(
      '{"id":7,"error":{"code":-32601,"message":"\'HeapProfiler.collectGarbage\' wasn\'t found"}}',
      method,
    );
    assert.ok("refused" in refused);
    assert.match(refused.refused.message, /refused HeapProfiler\.collectGarbage: .* \(code -32601\)/);
    assert.throws(() => parseInspectorMessage("Debugger attached.", method), InspectorError);
    assert.throws(() => parseInspectorMessage('{"id":"7","result":{}}', method), /unexpected shape/);
  });

  it("reads a byte count from Runtime.evaluate and refuses anything else", () => {
    const expr = "process.memoryUsage().heapUsed";
    assert.equal(evaluatedBytes({ result: { type: "number", value: 12_345_678 } }, expr), 12_345_678);
    assert.throws(
      () =>
        evaluatedBytes(
          {
            result: {
              type: "object",
              subtype: "error",
              description: "ReferenceError: process is not defined",
            },
            exceptionDetails: { exceptionId: 1, text: "Uncaught", lineNumber: 0, columnNumber: 0 },
          },
          expr,
        ),
      /threw: ReferenceError: process is not defined/,
    );
    assert.throws(() => evaluatedBytes({ result: { type: "undefined" } }, expr), /not a byte count/);
    assert.throws(() => evaluatedBytes({ result: { type: "number", value: -1 } }, expr), /not a byte count/);
    assert.throws(() => evaluatedBytes({}, expr), /unexpected shape/);
  });
});

describe("the heap after a forced GC, read from a real Node process", () => {
  let child: ChildProcess;
  let url: string;

  before(async () => {
    // About 40 MiB of small objects, held from a global; the process then only waits.
    child = spawn(
      process.execPath,
      [
        "--inspect=127.0.0.1:0",
        "-e",
        "globalThis.held = Array.from({ length: 400_000 }, (_, i) => ({ i, name: `object ${i}` })); " +
          "setInterval(() => {}, 60_000);",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    url = await waitFor("the child's inspector URL", () => inspectorUrl(stderr), { timeoutMs: 20_000 });
  });

  after(async () => {
    child.kill("SIGKILL");
    if (child.exitCode === null && child.signalCode === null) await once(child, "exit");
  });

  it("counts what is held and not what was let go, and detaches after each reading", async () => {
    const holding = await heapUsedAfterGc(url);
    assert.ok(holding > 30 * MiB, `holding: ${holding} bytes`);

    // Let the objects go. Nothing allocates afterwards, so without the forced collection they would still be on
    // the heap when it is read: the drop below is the collection's doing.
    const session = await InspectorSession.connect(url);
    await session.call("Runtime.evaluate", { expression: "globalThis.held = undefined" });
    await session.close();

    const released = await heapUsedAfterGc(url);
    assert.ok(holding - released > 25 * MiB, `holding ${holding}, released ${released}`);
    // A reading that left a session attached would make the next connection wait for it; a third reading works.
    assert.ok((await heapUsedAfterGc(url)) < holding);
  });
});

describe("the memory table's heap per 1,000 releases", () => {
  const idle = { rss: 90 * MiB, heapUsed: 30 * MiB, heapAfterGc: 20 * MiB };

  it("judges the goal on the settled process after GC and prints the other two as information", () => {
    // 2,000 releases settled: 34 MiB after GC, 14 more than idle = 7 MiB per 1,000 (met). The restarted process
    // holds 38 MiB (9 per 1,000); the last row without GC, 60 against 30, gives 15 per 1,000 as the upper bound.
    const memory: MemoryReadings = {
      idle,
      rows: [
        {
          label: "after the steady run, settled",
          releases: 2000,
          process: "settled",
          rss: 200 * MiB,
          peakRss: 220 * MiB,
          heapUsed: 50 * MiB,
          heapAfterGc: 34 * MiB,
        },
        {
          label: "restarted, 60 s after leading",
          releases: 2000,
          process: "restarted",
          rss: 180 * MiB,
          peakRss: 190 * MiB,
          heapUsed: 60 * MiB,
          heapAfterGc: 38 * MiB,
        },
      ],
    };
    const text = formatMemory(memory);
    assert.match(
      text,
      /heap per 1,000 releases after GC \(settled minus idle, both after a forced GC\): 7\.0 MiB; goal <= 7\.6 MiB after GC: met/,
    );
    assert.match(text, /the restarted process minus idle: 9\.0 MiB \(information\)/);
    assert.match(text, /without a forced GC: an upper bound\): 15\.0 MiB \(information/);
    assert.doesNotMatch(text, /MISSED/);
  });

  it("misses the goal when the settled process grew more than 8 MiB per 1,000", () => {
    const memory: MemoryReadings = {
      idle,
      rows: [
        {
          label: "after the steady run, settled",
          releases: 500,
          process: "settled",
          rss: 150 * MiB,
          peakRss: 160 * MiB,
          heapAfterGc: 24.5 * MiB,
        },
      ],
    };
    assert.match(formatMemory(memory), /forced GC\): 9\.0 MiB; goal <= 7\.6 MiB after GC: MISSED/);
    assert.equal(heapPerThousand(20 * MiB, undefined, 500), undefined);
    assert.equal(heapPerThousand(20 * MiB, 24 * MiB, 0), undefined);
  });
});
