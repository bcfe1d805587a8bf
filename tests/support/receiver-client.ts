// Requests to the operator's event receivers as a CI system or Alertmanager sends them: one HTTPS POST, trusting
// only the test CA that signed the operator's serving certificate, with the JSON answer read whole.
import type { IncomingHttpHeaders } from "node:http";
import https from "node:https";

/** Where an operator serves its event receivers: the port on 127.0.0.1 and the CA its certificate chains to. */
export interface ReceiverEndpoint {
  port: number;
  caPem: string;
}

/** A receiver's answer: the status, the headers and the JSON body. */
export interface ReceiverAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** Raised when a receiver answers with a body that is not JSON; the message quotes the start of it. */
export class NotJsonAnswerError extends Error {
  override readonly name = "NotJsonAnswerError";
}

/** POSTs `body` with `headers` to `path` (`/alertmanager`) over HTTPS and resolves with the parsed answer. */
export function postToReceiver(
  endpoint: ReceiverEndpoint,
  path: string,
  body: Buffer | string,
  headers: Record<string, string>,
): Promise<ReceiverAnswer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: "127.0.0.1", port: endpoint.port, path, method: "POST", ca: endpoint.caPem, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = res.statusCode ?? 0;
          try {
            resolve({ status, headers: res.headers, body: JSON.parse(text) as Record<string, unknown> });
          } catch (err) {
            const message = `POST ${path} answered ${status} with a body that is not JSON: ${text.slice(0, 200)}`;
            reject(new NotJsonAnswerError(message, { cause: err }));
          }
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * POSTs one firing `HighErrorRate` alert with `labels` to `/alertmanager` as Alertmanager's webhook sends it
 * (version 4, whole-second times, the zero `endsAt`), authenticated with `token`.
 */
export function fireAlert(
  endpoint: ReceiverEndpoint,
  token: string,
  alert: { labels: Record<string, string>; fingerprint: string; startsAt: Date },
): Promise<ReceiverAnswer> {
  return postToReceiver(
    endpoint,
    "/alertmanager",
    JSON.stringify({
      version: "4",
      status: "firing",
      receiver: "direct",
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      externalURL: "http://alertmanager.example.com",
      alerts: [
        {
          status: "firing",
          labels: { alertname: "HighErrorRate", ...alert.labels },
          annotations: {},
          startsAt: alert.startsAt.toISOString().replace(/\.\d+Z$/, "Z"),
          endsAt: "0001-01-01T00:00:00Z",
          fingerprint: alert.fingerprint,
        },
      ],
    }),
    { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
  );
}
