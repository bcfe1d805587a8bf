import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "../runtime/http-body.js";

/** The session cookie: `__Host-` makes the browser insist on Secure, Path=/ and no Domain. */
export const SESSION_COOKIE = "__Host-stagegate-session";

/** Headers on every answer: nothing from elsewhere, no framing, no caching of pages that show a user's data. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
  "Cache-Control": "no-store",
  "Strict-Transport-Security": "max-age=31536000",
  "X-Frame-Options": "DENY",
};

/** The Set-Cookie value that gives the browser a session id: HttpOnly, Secure, SameSite=Strict, host-only. */
export function sessionCookie(id: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${id}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}`;
}

/** The Set-Cookie value that removes the session cookie. */
export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0`;
}

/** The value of one cookie of a request. */
export function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return undefined;
}

/** Answers with an HTML page. */
export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { ...SECURITY_HEADERS, "Content-Type": "text/html; charset=utf-8", ...headers })
    .end(html);
}

/** Answers with a 303 redirect (after a POST, or to the sign-in page). */
export function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(303, { ...SECURITY_HEADERS, Location: location, ...headers }).end();
}

/** The most a form may send: a token and a comment fit well within it. */
const FORM_LIMIT = 64 * 1024;

/** Reads an `application/x-www-form-urlencoded` body; undefined when it is another type, too large or cut off. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return undefined;
  const body = await readBody(req, FORM_LIMIT);
  if (body === "too-large" || body === "aborted") return undefined;
  return new URLSearchParams(body.toString("utf8"));
}

/**
 * Whether a POST comes from the dashboard's own pages: a browser's Sec-Fetch-Site says same-origin (or none, typed by
 * the user), or, from a client that sends no Sec-Fetch-Site, the Origin names this very host. A cross-site form post
 * fails here even before its CSRF token is checked.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined) return site === "same-origin" || site === "none";
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return origin === `https://${req.headers.host ?? ""}`;
}
