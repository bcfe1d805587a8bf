// ServiceAccount tokens from the TokenRequest API, and plain HTTPS requests made with one: for tests that must act
// as a ServiceAccount itself (never an admin impersonating it), marking their own requests with a User-Agent so
// the API server's audit log tells them apart from the operator's.
import https from "node:https";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { objectPath } from "../../src/runtime/kube/resource.js";
import { coreResources } from "./core-resources.js";

/** What a token is for: its lifetime and, for a pod's token, the pod it is bound to. */
export interface TokenOptions {
  expirationSeconds?: number;
  /** Absent: the API server's own audiences. */
  audience?: string;
  boundPod?: { name: string; uid: string };
}

/** A token of ServiceAccount `namespace/name`, requested by `admin` (as the kubelet requests one for a pod). */
export async function requestToken(
  admin: KubeClient,
  namespace: string,
  name: string,
  options: TokenOptions = {},
): Promise<string> {
  const body = (await admin.transport.request({
    method: "POST",
    path: objectPath(coreResources.serviceAccount, name, namespace, "token"),
    body: {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: {
        ...(options.audience === undefined ? {} : { audiences: [options.audience] }),
        expirationSeconds: options.expirationSeconds ?? 3600,
        ...(options.boundPod === undefined
          ? {}
          : { boundObjectRef: { apiVersion: "v1", kind: "Pod", ...options.boundPod } }),
      },
    },
  })) as { status: { token: string } };
  return body.status.token;
}

/** The claims of a JWT (not verified: the API server did that when it accepted the token). */
export function tokenClaims(token: string): Record<string, unknown> {
  const payload = token.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
}

/** Where and as whom an HTTPS request goes. */
export interface BearerTarget {
  /** `https://host:port` */
  url: string;
  caPem: string;
  token: string;
  /** The TLS server name to verify, when it is not the URL's host. */
  servername?: string;
  userAgent: string;
}

/** Sends one request with the bearer token and returns the status, the response headers and the body's text. */
export function requestWithToken(
  target: BearerTarget,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, target.url),
      {
        method,
        ca: target.caPem,
        ...(target.servername === undefined ? {} : { servername: target.servername }),
        timeout: 10_000,
        headers: {
          Authorization: `Bearer ${target.token}`,
          "User-Agent": target.userAgent,
          Accept: "application/json",
          ...(payload === undefined ? {} : { "Content-Type": "application/json" }),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer within 10 s`)));
    req.on("error", reject);
    req.end(payload);
  });
}
