import { CALENDAR_PATH, calendarFeedHandler } from "../calendar/feed.js";
import { reviewToken } from "../dashboard/token-review.js";
import { userClient } from "../dashboard/user-client.js";
import { startHttpsServer, type RunningHttpsServer } from "../runtime/https-server.js";
import type { KubeClient } from "../runtime/kube/client.js";
import { leanKubeCredentials } from "../runtime/kube/kube-credentials.js";
import type { Logger } from "../runtime/logging.js";
import type { ServingCertificateSource } from "../runtime/serving-certificate.js";
import { ConfigError, type RunConfig } from "./config.js";

/** A running calendar feed. */
export interface RunningCalendarFeed {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves the iCalendar feed on `--calendar-feed-bind-address` over HTTPS with the operator's serving certificate,
 * on every replica (it only reads, with each caller's own token). Off (undefined) when the address is 0.
 */
export async function startCalendarFeed(
  config: RunConfig,
  deps: { client: KubeClient; log: Logger; certificates: ServingCertificateSource },
): Promise<RunningCalendarFeed | undefined> {
  if (config.calendarFeedAddress === "0") return undefined;
  const apiServer = leanKubeCredentials(config.kubeconfig);
  if (apiServer === undefined) {
    throw new ConfigError(
      "the calendar feed needs a kubeconfig with a token, token file or client certificate (in-cluster: the " +
        "ServiceAccount) to reach the API server with callers' tokens; or pass --calendar-feed-bind-address=0.",
    );
  }
  let server: RunningHttpsServer;
  try {
    server = await startHttpsServer({
      address: config.calendarFeedAddress,
      certificates: deps.certificates,
      log: deps.log,
      handle: calendarFeedHandler({
        review: (token) => reviewToken(deps.client.transport, token),
        clientFor: (token) => userClient(apiServer, token),
        log: deps.log,
        now: () => new Date(),
      }),
      answerFailure: (res) =>
        res.writeHead(500, { "Content-Type": "text/plain" }).end("the calendar feed failed; see its log\n"),
      messages: {
        requestFailed: "Failed to answer a calendar feed request",
        serverFailed: "The calendar feed server failed",
      },
    });
  } catch (err) {
    throw new ConfigError(
      `cannot serve the calendar feed on ${config.calendarFeedAddress}: ${(err as Error).message}. Pass ` +
        "--calendar-feed-bind-address=0 to run without it.",
    );
  }
  deps.log.info({ calendarFeedPort: server.port, path: CALENDAR_PATH }, "Serving the calendar feed");
  return { port: server.port, close: () => server.close() };
}
