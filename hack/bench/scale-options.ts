import { z } from "zod";
import { checkedFlags, readFlags, wholeNumberFlag } from "./bench-options.js";

/** The knobs of one `make bench-scale` run, parsed once at the entry point. */
export interface ScaleOptions {
  /** Releases promoted in the steady run (they stay, settled, for the memory and restart runs). */
  readonly releases: number;
  /** Releases created together in the burst run, on top of the steady ones. */
  readonly burst: number;
  /** Requests in flight for the steady run's creates and the raw baseline. */
  readonly inFlight: number;
  /** Requests in flight while the burst is created. */
  readonly burstInFlight: number;
  /** ConfigMaps created, then updated, by the raw baseline. */
  readonly rawWrites: number;
  /** How long the restarted operator is watched for writes. */
  readonly quietSeconds: number;
  /**
   * The bound on waiting, after a run's last release is Verified, for the operator to go quiet with empty queues;
   * 0: 60 s plus 0.5 s per release of the run.
   */
  readonly settleSeconds: number;
  /** How long the operator idles, with no objects, before its idle memory is read. */
  readonly idleSeconds: number;
  /** The operator's --log-level. */
  readonly logLevel: "trace" | "debug" | "info" | "warn" | "error";
  /** Keep the control plane's and the operator's state and logs. */
  readonly keepLogs: boolean;
  /**
   * Where to write a Go CPU profile of kube-apiserver taken during the steady run (`--profiling` on, the profile
   * read as admin from `/debug/pprof/profile`); "" takes none.
   */
  readonly apiserverProfile: string;
  /** How long that profile samples, from the steady run's last create (promotions only). */
  readonly profileSeconds: number;
}

const schema = z.object({
  releases: wholeNumberFlag("releases", 1),
  burst: wholeNumberFlag("burst", 0),
  inFlight: wholeNumberFlag("in-flight", 1, 1000),
  burstInFlight: wholeNumberFlag("burst-in-flight", 1, 1000),
  rawWrites: wholeNumberFlag("raw-writes", 1),
  quietSeconds: wholeNumberFlag("quiet-seconds", 1, 3600),
  idleSeconds: wholeNumberFlag("idle-seconds", 0, 3600),
  settleSeconds: wholeNumberFlag("settle-seconds", 0, 36_000),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error"], {
    error: "--log-level must be one of trace, debug, info, warn, error",
  }),
  keepLogs: z.boolean(),
  apiserverProfile: z.string(),
  profileSeconds: wholeNumberFlag("profile-seconds", 1, 600),
});

/** How to call the benchmark, printed with any flag error. */
export const SCALE_USAGE =
  "Usage: tsx hack/bench/scale.ts [--releases=500] [--burst=1000] [--in-flight=10] [--burst-in-flight=100] " +
  "[--raw-writes=1000] [--quiet-seconds=60] [--idle-seconds=10] [--settle-seconds=0] [--log-level=info] " +
  "[--keep-logs] [--apiserver-profile=<file.pb.gz>] [--profile-seconds=20]";

/** Parses the command line (without node and the script). */
export function parseScaleOptions(argv: readonly string[]): ScaleOptions {
  const values = readFlags(
    argv,
    {
      releases: { type: "string", default: "500" },
      burst: { type: "string", default: "1000" },
      "in-flight": { type: "string", default: "10" },
      "burst-in-flight": { type: "string", default: "100" },
      "raw-writes": { type: "string", default: "1000" },
      "quiet-seconds": { type: "string", default: "60" },
      "idle-seconds": { type: "string", default: "10" },
      "settle-seconds": { type: "string", default: "0" },
      "log-level": { type: "string", default: "info" },
      "keep-logs": { type: "boolean", default: false },
      "apiserver-profile": { type: "string", default: "" },
      "profile-seconds": { type: "string", default: "20" },
    },
    SCALE_USAGE,
  );
  return checkedFlags(
    schema,
    {
      releases: values.releases,
      burst: values.burst,
      inFlight: values["in-flight"],
      burstInFlight: values["burst-in-flight"],
      rawWrites: values["raw-writes"],
      quietSeconds: values["quiet-seconds"],
      idleSeconds: values["idle-seconds"],
      settleSeconds: values["settle-seconds"],
      logLevel: values["log-level"],
      keepLogs: values["keep-logs"],
      apiserverProfile: values["apiserver-profile"],
      profileSeconds: values["profile-seconds"],
    },
    SCALE_USAGE,
  );
}
