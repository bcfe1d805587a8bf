import type { IncomingHttpHeaders } from "node:http";
import { refusal, type ReceiverAnswer } from "./answer.js";

/** `application/json`, with or without parameters such as `; charset=utf-8`, in any letter case. */
const JSON_MEDIA_TYPE = /^application\/json\s*(;.*)?$/i;

/**
 * Refuses a request whose Content-Type is not JSON with 415, naming the header, what was sent and what to send;
 * undefined lets it through. A route that reads only JSON says so rather than guessing at other encodings.
 */
export function requireJsonContentType(
  headers: IncomingHttpHeaders,
  sender: string,
): ReceiverAnswer | undefined {
  const sent = headers["content-type"];
  if (sent !== undefined && JSON_MEDIA_TYPE.test(sent.trim())) return undefined;
  const what = sent === undefined ? "no Content-Type" : `Content-Type ${JSON.stringify(sent)}`;
  return refusal(
    415,
    "UnsupportedMediaType",
    `the request has ${what}; ${sender} must send Content-Type: application/json with a JSON body.`,
    { field: "Content-Type" },
  );
}
