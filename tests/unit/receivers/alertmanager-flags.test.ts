import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseRunConfig, runHelp } from "../../../src/cmd/config.js";

describe("the --alertmanager-token-file flag of stagegate run", () => {
  it("is unset by default, so the endpoint is disabled", () => {
    assert.equal(parseRunConfig([], {}).alertmanagerTokenFile, undefined);
  });

  it("takes the flag, or its environment variable", () => {
    const fromFlag = parseRunConfig(["--alertmanager-token-file=/etc/stagegate/alertmanager/tokens"], {});
    assert.equal(fromFlag.alertmanagerTokenFile, "/etc/stagegate/alertmanager/tokens");
    const fromEnv = parseRunConfig([], { STAGEGATE_ALERTMANAGER_TOKEN_FILE: "/tokens" });
    assert.equal(fromEnv.alertmanagerTokenFile, "/tokens");
  });

  it("refuses an empty path, naming the flag", () => {
    assert.throws(
      () => parseRunConfig(["--alertmanager-token-file="], {}),
      (err: unknown) =>
        err instanceof ConfigError && /--alertmanager-token-file must name a file/.test(err.message),
    );
  });

  it("is listed in the help with its environment variable", () => {
    assert.match(runHelp(), /--alertmanager-token-file .*\[\$STAGEGATE_ALERTMANAGER_TOKEN_FILE\]/);
  });
});
