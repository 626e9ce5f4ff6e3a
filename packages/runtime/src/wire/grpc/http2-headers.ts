import type * as http2 from "node:http2";

/** node:http2's incoming headers as web Headers, without the pseudo-headers (`:status`, `:path`, …). */
export function toWebHeaders(headers: http2.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [key, value] of Object.entries(headers)) {
    if (key.startsWith(":") || value === undefined) {
      continue;
    }
    if (Array.isArray(value)) {
      for (const v of value) {
        out.append(key, v);
      }
    } else {
      out.append(key, String(value));
    }
  }
  return out;
}
