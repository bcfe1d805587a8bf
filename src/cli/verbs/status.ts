import { z } from "zod";
import { releaseKind } from "../../api/v1alpha1/release.js";
import { resourceOf } from "../../api/v1alpha1/resource-type.js";
import { isNotFound } from "../../runtime/kube/api-error.js";
import type { KubeClient } from "../../runtime/kube/client.js";
import type { ResourceType } from "../../runtime/kube/resource.js";
import { parseServerObject } from "../change-control.js";
import { CommandError, explainApiErrors } from "../errors.js";
import {
  expectPositionals,
  formatFlags,
  parseVerbArgs,
  validateFlags,
  type GlobalOptions,
} from "../flags.js";
import { withSession } from "../kube-session.js";
import { writeJson } from "../output.js";
import { EXIT, type Verb } from "../verb.js";
import { ReleaseObject, formatReleaseStatus, reportReleaseStatus } from "./status-format.js";

/** The Release resource, as served by the Stagegate CRDs. */
const releases: ResourceType = resourceOf(releaseKind);

const StatusArgs = z.object({
  release: z
    .string()
    .regex(
      /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
      "RELEASE must be a Release name such as payments-api-2.14.0 (lowercase letters, digits, '-', '.')",
    )
    .max(253, "RELEASE must be at most 253 characters"),
});

/** Options of `stagegate status`. */
export type StatusOptions = GlobalOptions & z.infer<typeof StatusArgs>;

/** Reads one Release; a missing one is a CommandError that says where it looked. */
async function getRelease(client: KubeClient, namespace: string, name: string): Promise<ReleaseObject> {
  try {
    return parseServerObject(ReleaseObject, await client.get(releases, name, namespace), "Release");
  } catch (err) {
    if (!isNotFound(err)) throw err;
    throw new CommandError(
      `no Release ${name} in namespace ${namespace}: ` +
        `list them with "kubectl get releases -n ${namespace}" or pick another namespace with -n.`,
    );
  }
}

/**
 * `stagegate status RELEASE`: prints where a Release stands in every environment of its pipeline, with the
 * gate reasons the operator wrote and its Ready condition. Read-only; the viewer role is enough.
 */
export const statusVerb: Verb<StatusOptions> = {
  name: "status",
  summary: "Show a Release's progress through its pipeline, with the reasons at each gate",
  usage: [
    "Usage: stagegate status RELEASE [-n NAMESPACE] [-o json]",
    "",
    "Reads the Release and prints one block per environment of spec.pipeline, in order: its state, revision,",
    "the timestamps the operator has set and every reason it gave (for example the gates still open). The",
    "current environment is marked with '>'. The Release's Ready condition comes first. Exit code 0 when the",
    "Release was read, 1 when it does not exist or the server refuses, 2 on a usage error.",
    "",
    formatFlags({}),
    "",
    "Example:",
    "  stagegate status payments-api-2.14.0 -n payments",
  ].join("\n"),

  parse(argv, env) {
    const { global, positionals } = parseVerbArgs("status", argv, env, {});
    const [release = ""] = expectPositionals(positionals, ["RELEASE"]);
    return { ...global, ...validateFlags(StatusArgs, { release }) };
  },

  async run(options, io) {
    const release = await withSession(io, options.kubeconfig, (session) => {
      const namespace = options.namespace ?? session.namespace;
      return explainApiErrors(`read Release "${options.release}"`, () =>
        getRelease(session.client, namespace, options.release),
      );
    });
    const report = reportReleaseStatus(release);
    if (options.output === "json") writeJson(io, report);
    else io.stdout(formatReleaseStatus(report));
    return EXIT.ok;
  },
};
