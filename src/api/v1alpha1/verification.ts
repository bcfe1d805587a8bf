import { z } from "zod";
import { Duration } from "./meta.js";

/** The bound a measurement must stay within: absolute, or relative to the value just before the deployment. */
export const VerificationThreshold = z
  .object({
    relativeTo: z
      .enum(["Absolute", "Baseline"])
      .default("Absolute")
      .describe(
        "Absolute compares each measurement with min/max as they are; Baseline compares it with min/max times " +
          "the query's value at the instant the deployment started (max 1.5 = at most 150% of the baseline). " +
          "Defaults to Absolute.",
      ),
    max: z.number().optional().describe("The largest value that passes."),
    min: z.number().optional().describe("The smallest value that passes."),
  })
  .meta({
    description: "The bound each measurement of a check must stay within.",
    "x-kubernetes-validations": [
      { rule: "has(self.max) || has(self.min)", message: "set max, min or both on a threshold" },
    ],
  });
export type VerificationThreshold = z.infer<typeof VerificationThreshold>;

/** One PromQL query whose value must stay within its threshold for a while after a deployment. */
export const VerificationCheck = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be lowercase letters, digits and dashes")
      .max(63)
      .describe("A short name for the check, for example error-rate."),
    query: z
      .string()
      .min(1)
      .max(4096)
      .describe(
        "A PromQL expression returning one number (a scalar, or a vector with exactly one sample), for " +
          'example sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m])).',
      ),
    threshold: VerificationThreshold,
    unit: z.string().max(32).optional().describe("The unit of the value, for example ratio or seconds."),
  })
  .describe("A PromQL check of the deployed release.");
export type VerificationCheck = z.infer<typeof VerificationCheck>;

/** How a deployment to an environment is verified against Prometheus before it counts as Verified. */
export const VerificationPolicy = z
  .object({
    prometheusURL: z
      .url()
      .max(2048)
      .describe("The base URL of the Prometheus HTTP API, for example http://prometheus.monitoring:9090."),
    window: Duration.default("5m").describe(
      "How long after the deployment the checks must keep passing. Defaults to 5m.",
    ),
    interval: Duration.default("30s").describe(
      "How often each check is measured during the window. Defaults to 30s.",
    ),
    checks: z
      .array(VerificationCheck)
      .min(1)
      .max(20)
      .meta({
        description: "The checks; every measurement of every check must pass.",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
      }),
  })
  .describe(
    "PromQL checks the PostDeployVerification task measures after a deployment; a query that errors or " +
      "returns no data fails the check.",
  );
export type VerificationPolicy = z.infer<typeof VerificationPolicy>;
