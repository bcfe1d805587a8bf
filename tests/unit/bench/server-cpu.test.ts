import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  cpuCeilings,
  cpuPer,
  idlePerSecond,
  serving,
  type CpuReading,
} from "../../../hack/bench/server-cpu.js";

const reading = (
  at: number,
  apiserver: number,
  etcd: number,
  operator: number,
  generator = 0,
): CpuReading => ({
  at,
  cpu: { apiserver, etcd, operator, generator },
});

describe("The servers' CPU per request of a series", () => {
  it("takes each process's idle floor over the span out before dividing by the requests", () => {
    const idle = idlePerSecond(reading(0, 10, 5, 2), reading(5_000, 10.5, 5.25, 2.05));
    for (const [key, value] of Object.entries({ apiserver: 0.1, etcd: 0.05, operator: 0.01, generator: 0 })) {
      assert.ok(
        Math.abs(idle[key as keyof typeof idle] - value) < 1e-12,
        `${key}: ${idle[key as keyof typeof idle]}`,
      );
    }
    // 10 s of a series of 100 requests: the apiserver used 3.0 s, of which 1.0 s was its idle floor.
    const per = cpuPer(reading(10_000, 20, 8, 4, 1), reading(20_000, 23, 9, 6, 2), 100, idle);
    assert.ok(Math.abs(per.apiserver - 0.02) < 1e-12, String(per.apiserver));
    assert.ok(Math.abs(per.etcd - 0.005) < 1e-12, String(per.etcd));
    assert.ok(Math.abs(per.operator - 0.019) < 1e-12, String(per.operator));
    assert.ok(Math.abs(per.generator - 0.01) < 1e-12, "the load generator has no floor taken out");
    assert.ok(
      Math.abs(serving(per) - 0.044) < 1e-12,
      "the servers are kube-apiserver, etcd and the operator",
    );
  });

  it("never charges a series less than nothing when the floor was noisier than the series", () => {
    const idle = { apiserver: 1, etcd: 1, operator: 1, generator: 0 };
    const per = cpuPer(reading(0, 1, 1, 1), reading(1_000, 1.5, 1.5, 1.5), 10, idle);
    assert.deepEqual(per, { apiserver: 0, etcd: 0, operator: 0, generator: 0 });
  });

  it("gives the ceiling of alerts/s over creates/s as CPU per create over CPU per alert", () => {
    const perCreate = { apiserver: 0.002, etcd: 0.0005, operator: 0, generator: 0.001 };
    const perAlert = { apiserver: 0.012, etcd: 0.0015, operator: 0.0065, generator: 0.003 };
    const ceilings = cpuCeilings(perCreate, perAlert);
    assert.ok(Math.abs((ceilings.apiserver ?? 0) - 1 / 6) < 1e-12, String(ceilings.apiserver));
    assert.ok(Math.abs((ceilings.serving ?? 0) - 0.125) < 1e-12, String(ceilings.serving));
    assert.deepEqual(cpuCeilings({ ...perCreate, apiserver: 0 }, perAlert).apiserver, undefined);
  });
});
