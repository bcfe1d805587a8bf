import https from "node:https";

/** Raised when the receiver answers something other than what the benchmark sent the request for. */
export class UnexpectedAnswerError extends Error {
  override readonly name = "UnexpectedAnswerError";
}

/** The receiver's answer, parsed. */
export interface ReceiverAnswer {
  readonly status: number;
  readonly body: { alerts?: { results?: { outcome: string }[] }[] } & Record<string, unknown>;
}

/**
 * Posts notifications to the operator's `POST /alertmanager` over HTTPS with a bearer token, on a keep-alive
 * agent as Alertmanager's own HTTP client does, so a TLS handshake is not part of every timing.
 */
export class ReceiverClient {
  private readonly agent: https.Agent;

  constructor(
    private readonly port: number,
    caPem: string,
    private readonly token: string,
  ) {
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 32, ca: caPem });
  }

  /** Sends one notification body and reads the whole answer. */
  post(body: string): Promise<ReceiverAnswer> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: "127.0.0.1",
          port: this.port,
          path: "/alertmanager",
          method: "POST",
          agent: this.agent,
          headers: { "Content-Type": "application/json", Authorization: `Bearer ${this.token}` },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString("utf8");
            try {
              resolve({ status, body: JSON.parse(text) as ReceiverAnswer["body"] });
            } catch (err) {
              const message = `The receiver answered ${status} with a body that is not JSON: ${text.slice(0, 200)}`;
              reject(new UnexpectedAnswerError(message, { cause: err }));
            }
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  /** Posts and checks that every result of the answer has the expected outcome. */
  async expect(body: string, outcome: string): Promise<void> {
    const answer = await this.post(body);
    const outcomes = (answer.body.alerts ?? []).flatMap((a) => (a.results ?? []).map((r) => r.outcome));
    if (answer.status !== 200 || outcomes.length === 0 || outcomes.some((o) => o !== outcome)) {
      throw new UnexpectedAnswerError(
        `Expected 200 with outcome ${outcome}, got ${answer.status}: ${JSON.stringify(answer.body)}`,
      );
    }
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}

/** The labels the benchmark release's alertSelector asks for. */
export function benchAlertLabels(namespace: string): Record<string, string> {
  return { alertname: "BenchLatency", namespace, app: "shop", severity: "page" };
}

/** A version-4 notification of one firing alert, shaped as Alertmanager sends it. */
export function firingNotification(namespace: string, fingerprint: string, startsAt: string): string {
  const labels = benchAlertLabels(namespace);
  return JSON.stringify({
    version: "4",
    groupKey: `{}:{alertname="${labels.alertname}"}`,
    truncatedAlerts: 0,
    status: "firing",
    receiver: "bench",
    groupLabels: { alertname: labels.alertname },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: "http://alertmanager.example.com",
    alerts: [
      {
        status: "firing",
        labels,
        annotations: { summary: "p99 latency above 2s.", description: "The checkout p99 is 2.7s." },
        startsAt,
        endsAt: "0001-01-01T00:00:00Z",
        generatorURL: "http://prometheus.example.com/graph?g0.expr=latency",
        fingerprint,
      },
    ],
  });
}
