import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseRunConfig, runHelp } from "../../../src/cmd/config.js";

describe("event receiver flags of stagegate run", () => {
  it("serves receivers on :9444 by default, with the pipeline endpoint disabled", () => {
    const config = parseRunConfig([], {});
    assert.equal(config.eventsAddress, ":9444");
    assert.equal(config.pipelineEventsTokenFile, undefined);
  });

  it("takes the flags, or their environment variables", () => {
    const fromFlags = parseRunConfig(
      ["--events-bind-address=0", "--pipeline-events-token-file=/etc/stagegate/pipeline/tokens"],
      {},
    );
    assert.equal(fromFlags.eventsAddress, "0");
    assert.equal(fromFlags.pipelineEventsTokenFile, "/etc/stagegate/pipeline/tokens");
    const fromEnv = parseRunConfig([], {
      STAGEGATE_EVENTS_ADDRESS: "127.0.0.1:0",
      STAGEGATE_PIPELINE_EVENTS_TOKEN_FILE: "/tokens",
    });
    assert.equal(fromEnv.eventsAddress, "127.0.0.1:0");
    assert.equal(fromEnv.pipelineEventsTokenFile, "/tokens");
  });

  const bad: [string, string[], RegExp][] = [
    ["a port out of range", ["--events-bind-address=:99999"], /--events-bind-address must be host:port/],
    [
      "an address without a port",
      ["--events-bind-address=localhost"],
      /--events-bind-address must be host:port/,
    ],
    ["an empty address", ["--events-bind-address="], /--events-bind-address must be host:port/],
    [
      "an empty token file",
      ["--pipeline-events-token-file="],
      /--pipeline-events-token-file must name a file/,
    ],
  ];
  for (const [name, argv, message] of bad) {
    it(`rejects ${name} with a message naming the flag`, () => {
      assert.throws(
        () => parseRunConfig(argv, {}),
        (err: unknown) => err instanceof ConfigError && message.test(err.message),
      );
    });
  }

  it("lists both flags in the help", () => {
    assert.match(runHelp(), /--events-bind-address .*\(default :9444\) \[\$STAGEGATE_EVENTS_ADDRESS\]/);
    assert.match(runHelp(), /--pipeline-events-token-file .*\[\$STAGEGATE_PIPELINE_EVENTS_TOKEN_FILE\]/);
  });
});
