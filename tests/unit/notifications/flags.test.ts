import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseRunConfig } from "../../../src/cmd/config.js";

describe("the notification flags", () => {
  it("are off by default, with no internal network allowed", () => {
    const config = parseRunConfig([], {});
    assert.equal(config.notifications, false);
    assert.deepEqual(config.notificationAllowedNetworks, []);
    assert.equal(config.notificationPollMs, 2000);
    assert.equal(config.notificationMaxAttempts, 6);
    assert.equal(config.notificationRetryBackoffMs, 10_000);
  });

  it("take flags and environment variables", () => {
    const config = parseRunConfig(
      ["--notifications=true", "--notification-allowed-networks=10.20.0.0/16, fd00::/8"],
      { STAGEGATE_NOTIFICATION_MAX_ATTEMPTS: "3" },
    );
    assert.equal(config.notifications, true);
    assert.deepEqual(config.notificationAllowedNetworks, [
      { address: "10.20.0.0", prefix: 16 },
      { address: "fd00::", prefix: 8 },
    ]);
    assert.equal(config.notificationMaxAttempts, 3);
  });

  it("refuse what does not parse, naming the flag", () => {
    assert.throws(() => parseRunConfig(["--notifications=yes"], {}), /--notifications must be true or false/);
    assert.throws(
      () => parseRunConfig(["--notification-allowed-networks=intranet"], {}),
      /--notification-allowed-networks: intranet is not a network in CIDR notation/,
    );
  });
});
