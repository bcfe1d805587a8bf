import { isIP } from "node:net";
import tls, { type DetailedPeerCertificate } from "node:tls";
import { ApiError, isForbidden, isNotFound } from "../../runtime/kube/api-error.js";
import type { KubeClient } from "../../runtime/kube/client.js";
import { serverMessage } from "../errors.js";
import type { CheckOptions } from "./check-options.js";
import { coreResources } from "./resources.js";

/** What a TLS connection to the webhook server, made without a client certificate, showed. */
export interface TlsProbe {
  /** The serving chain the server presented (PEM), when the handshake got that far. */
  chainPem?: string | undefined;
  /**
   * True: the server answered an HTTP request from a caller without a client certificate. False: it ended the
   * connection first (it requires one). Undefined: the server could not be reached at all.
   */
  answeredWithoutClientCertificate?: boolean | undefined;
  /** How the connection ended, for messages. */
  ending: string;
}

/** Where the serving certificate was observed. */
export interface ServingCertificate {
  /** From a TLS handshake with `--webhook-url` (URL targets only). */
  handshake?: { url: string; probe: TlsProbe } | undefined;
  /** From the Secret `--webhook-cert-secret`, when it exists. */
  secret?: { name: string; pem: string } | undefined;
  /** Why a source was not used, one sentence each. */
  notes: string[];
}

function toPem(der: Buffer): string {
  const base64 = der.toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN CERTIFICATE-----\n${base64.replace(/\n$/, "")}\n-----END CERTIFICATE-----\n`;
}

/** The chain a peer presented, leaf first, as PEM. */
function chainToPem(leaf: DetailedPeerCertificate): string | undefined {
  const pems: string[] = [];
  const seen = new Set<string>();
  let cert: DetailedPeerCertificate | undefined = leaf;
  while (cert?.raw !== undefined && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    pems.push(toPem(cert.raw));
    cert = cert.issuerCertificate;
  }
  return pems.length === 0 ? undefined : pems.join("");
}

/**
 * Connects to `baseUrl` over TLS without a client certificate, records the serving chain, and sends `GET /healthz`:
 * a server that requires the API server's client certificate (ADR 0013) ends the connection instead of answering.
 */
export function probeWebhookTls(baseUrl: string, timeoutMs = 5_000): Promise<TlsProbe> {
  const url = new URL(baseUrl);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = url.port === "" ? 443 : Number(url.port);
  return new Promise((resolve) => {
    let chainPem: string | undefined;
    let response = "";
    let settled = false;
    const socket = tls.connect({
      host,
      port,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      // Only to read what the server presents and whether it demands a client certificate; nothing is trusted.
      rejectUnauthorized: false,
    });
    const finish = (probe: Omit<TlsProbe, "chainPem">): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ chainPem, ...probe });
    };
    const timer = setTimeout(
      () =>
        finish({ ending: `no answer within ${timeoutMs} ms`, answeredWithoutClientCertificate: undefined }),
      timeoutMs,
    );
    socket.once("secureConnect", () => {
      chainPem = chainToPem(socket.getPeerCertificate(true));
      socket.write(`GET /healthz HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`);
    });
    socket.on("data", (chunk: Buffer) => {
      response += chunk.toString("latin1");
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(response)?.[1];
      if (status !== undefined) {
        finish({ ending: `it answered HTTP ${status}`, answeredWithoutClientCertificate: true });
      }
    });
    socket.once("error", (err: NodeJS.ErrnoException) => {
      const refused = chainPem !== undefined || /ALERT/.test(err.code ?? "");
      finish({
        ending: err.code ?? err.message.trim(),
        answeredWithoutClientCertificate: refused ? false : undefined,
      });
    });
    socket.once("close", () =>
      finish({
        ending: "it closed the connection without answering",
        answeredWithoutClientCertificate: chainPem === undefined ? undefined : false,
      }),
    );
  });
}

/**
 * Observes the operator's serving certificate from outside the cluster: by a TLS handshake when the webhooks are
 * called at a URL, and from the Secret `--webhook-cert-secret` when it exists (reading a Secret returns its key
 * too; only `tls.crt` is used). A Service target cannot be reached from here, so without the Secret it stays unseen.
 */
export async function observeServingCertificate(
  client: KubeClient,
  options: CheckOptions,
): Promise<ServingCertificate> {
  const notes: string[] = [];
  const handshake =
    options.webhookUrl === undefined
      ? undefined
      : { url: options.webhookUrl, probe: await probeWebhookTls(options.webhookUrl) };
  if (handshake !== undefined && handshake.probe.chainPem === undefined) {
    notes.push(`The webhook server at ${handshake.url} presented no certificate: ${handshake.probe.ending}.`);
  }
  let secret: ServingCertificate["secret"];
  const name = options.webhookCertSecret;
  if (name === "") {
    notes.push("The serving certificate Secret was not read (--webhook-cert-secret is empty).");
  } else {
    try {
      const found = await client.get(coreResources.secret, name, options.operatorNamespace);
      const data = (found as { data?: Record<string, string> }).data ?? {};
      const crt = data["tls.crt"];
      if (crt === undefined) {
        notes.push(`Secret ${options.operatorNamespace}/${name} has no tls.crt.`);
      } else {
        secret = {
          name: `${options.operatorNamespace}/${name}`,
          pem: Buffer.from(crt, "base64").toString("utf8"),
        };
      }
    } catch (err) {
      if (err instanceof ApiError && isForbidden(err)) {
        notes.push(
          `You may not read Secret ${options.operatorNamespace}/${name} (${serverMessage(err)}); the serving ` +
            "certificate in it was not checked.",
        );
        return { handshake, secret, notes };
      }
      if (!isNotFound(err)) throw err;
      notes.push(
        `There is no Secret ${options.operatorNamespace}/${name} (pass --webhook-cert-secret NAME if the serving ` +
          'certificate is kept under another name, or "" to skip it).',
      );
    }
  }
  return { handshake, secret, notes };
}

/** The serving chain to check caBundles against: what the server presented, else the Secret's. */
export function servingChainPem(observed: ServingCertificate): string | undefined {
  return observed.handshake?.probe.chainPem ?? observed.secret?.pem;
}
