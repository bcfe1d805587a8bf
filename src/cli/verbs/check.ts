import { explainApiErrors } from "../errors.js";
import { formatFlags } from "../flags.js";
import { reviewSelf } from "../../runtime/kube/self-review.js";
import { withSession } from "../kube-session.js";
import { writeJson } from "../output.js";
import { EXIT, type Verb } from "../verb.js";
import { createCheckContext, runChecks } from "../check/check-context.js";
import { formatCheckReport, type CheckReport } from "../check/check-format.js";
import { CHECK_FLAGS, parseCheckOptions, type CheckOptions } from "../check/check-options.js";
import { summarize } from "../check/check-result.js";
import { CHECKS } from "../check/checks.js";

/**
 * `stagegate check`: after an install or an upgrade, says in named checks whether Stagegate can keep its promise on
 * this cluster, each failure with its fix (as `linkerd check` does). Exit 1 when any check fails.
 */
export const checkVerb: Verb<CheckOptions> = {
  name: "check",
  summary: "Check that Stagegate can keep its promise on this cluster (CRDs, webhooks, operator, RBAC, ...)",
  usage: [
    "Usage: stagegate check [flags]",
    "",
    "Runs named checks against the cluster and prints each as passed (✓), failed (✗, with its fix), a warning",
    "(‼), unknown (?, not observable from outside the cluster; it says why) or could not run (!, for example",
    "forbidden to you): the CRDs are this build's; the admission webhooks and the closed-object policy are",
    "registered, point at the operator and answer the API server (dry runs), and only the API server may call",
    "them; their certificates are valid for long enough; the operator leads and is ready; its RBAC is no broader",
    "than shipped; its audit storage is writable; every release target is owned by its environment and no",
    "delivery object is claimed twice. Exit code 0 when nothing failed, 1 when a check failed or could not run,",
    "2 on a usage error. Run it as a cluster administrator: it reads cluster-wide objects, asks the API server",
    "what the operator's ServiceAccount may do (impersonating it) and reads the serving certificate's Secret. It",
    "writes nothing but dry runs, unless --probe-audit is given.",
    "",
    formatFlags(CHECK_FLAGS),
    "",
    "Examples:",
    "  stagegate check",
    "  stagegate check --operator-namespace platform-stagegate --min-cert-validity 720h -o json",
  ].join("\n"),

  parse(argv, env) {
    return parseCheckOptions(argv, env);
  },

  async run(options, io) {
    const report = await withSession(io, options.kubeconfig, async ({ client }) => {
      const user = await explainApiErrors("tell who you are", () => reviewSelf(client));
      const ctx = createCheckContext(client, options, io.now(), user);
      const checks = await runChecks(CHECKS, ctx);
      const summary = summarize(checks);
      const result: CheckReport = {
        server: client.transport.server,
        operatorNamespace: options.operatorNamespace,
        ok: summary.failed === 0 && summary.errors === 0,
        summary,
        checks,
      };
      return result;
    });
    if (options.output === "json") writeJson(io, report);
    else io.stdout(formatCheckReport(report));
    return report.ok ? EXIT.ok : EXIT.failed;
  },
};
