/**
 * Why a URL does not parse, said without quoting any of it: the text may hold a password, and
 * the URL parser's own error ("Invalid URL") says nothing a user can act on.
 */

/** Characters the URL standard forbids in every host (its "forbidden host code points"). */
const FORBIDDEN_IN_HOST = /[\s<>^|[\]\\]/;

/**
 * What stops `url` from parsing as a WHATWG URL, as a clause such as "its port is not a
 * number". A best guess that reads the authority the way the parser does; it falls back to
 * "it is not a valid URL".
 */
export function unparseableUrlReason(url: string): string {
  const text = url.trim();
  if (text === "") return "it is empty";
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(text);
  if (scheme === null) return 'it has no scheme, such as "redis://"';
  const rest = text.slice(scheme[0].length);
  if (!rest.startsWith("//")) return "it is not a valid URL";
  const authorityEnd = rest.slice(2).search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest.slice(2) : rest.slice(2, authorityEnd + 2);
  const afterAuthority = authorityEnd === -1 ? "" : rest.slice(authorityEnd + 2);
  const reason = hostPortReason(authority.slice(authority.lastIndexOf("@") + 1));
  // An "@" past the authority means it ended early: a password with a raw "/", "?" or "#".
  return afterAuthority.includes("@")
    ? `${reason}; percent-encode "/", "?", "#" and "@" in a password`
    : reason;
}

function hostPortReason(hostPort: string): string {
  let host = hostPort;
  let port = "";
  if (hostPort.startsWith("[")) {
    const close = hostPort.indexOf("]");
    if (close === -1) return 'its IPv6 host has no closing "]"';
    host = hostPort.slice(1, close);
    const after = hostPort.slice(close + 1);
    if (after !== "" && !after.startsWith(":"))
      return 'its IPv6 host is followed by more than ":port"';
    port = after.slice(1);
    if (!/^[0-9a-f:.]*$/i.test(host)) return "its IPv6 host is not an IPv6 address";
  } else {
    const colon = hostPort.indexOf(":");
    if (colon !== -1) {
      host = hostPort.slice(0, colon);
      port = hostPort.slice(colon + 1);
    }
    if (FORBIDDEN_IN_HOST.test(host)) {
      return "its host holds a space or another character no host can";
    }
    if (host === "") return "it has no host";
  }
  if (!/^\d*$/.test(port)) return "its port is not a number";
  if (port !== "" && Number(port) > 65_535) return "its port is above 65535";
  return "it is not a valid URL";
}
