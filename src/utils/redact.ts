/**
 * Keeps secrets out of logs, errors and terminals. Every URL NecroStack prints goes through
 * {@link maskUrl}, which reads it with the WHATWG URL parser (the one ioredis uses), so what is
 * masked is what a client would send as a password:
 * - the password of the userinfo: `redis://user:secret@host` shows `redis://user:***@host`;
 * - query parameters named like a secret (see {@link SECRET_PARAMETERS}): ioredis reads
 *   `redis://host?password=secret` as the password.
 * A URL the parser rejects is not shown at all, only what is wrong with it.
 */
import { unparseableUrlReason } from "./unparseable-url.js";

/**
 * Query parameter names whose values are masked, compared in lower case. ioredis takes every
 * query parameter as a connection option, `password` included; the others are the names
 * other clients and services give secrets.
 */
const SECRET_PARAMETERS: ReadonlySet<string> = new Set([
  "password",
  "passwd",
  "pass",
  "pwd",
  "token",
  "secret",
  "auth",
]);

/** What stands in for a secret. */
const MASK = "***";

/** Schemes whose authority also ends at a backslash, as the URL standard's special schemes do. */
const SPECIAL_SCHEME = /^(?:https?|wss?|ftp|file):/i;

/**
 * `url` safe to print: its password and secret query parameters replaced by `***`. A URL with
 * nothing to mask comes back exactly as given. A URL that does not parse, or parses in a way
 * that may have cut a password in two, comes back as `<unparseable URL, not shown: why>` or
 * `<ambiguous URL, not shown: why>`, never echoing any of it.
 *
 * A user name without a password (`redis://alice@host`) is shown: ioredis sends it as the ACL
 * user name with an empty password (`AUTH alice ""`), as redis-py and node-redis do, and which
 * user failed to log in is what an operator needs to see.
 */
export function maskUrl(url: string): string {
  const result = inspectUrl(url);
  return "shown" in result ? result.shown : `<${result.kind} URL, not shown: ${result.reason}>`;
}

/** What {@link inspectUrl} found: the URL as it may be shown, or why it may not be shown. */
export type InspectedUrl =
  | { readonly shown: string }
  | { readonly kind: "unparseable" | "ambiguous"; readonly reason: string };

/**
 * {@link maskUrl}, with a URL that cannot be shown reported as data, so a command can reject it
 * with its own message.
 */
export function inspectUrl(url: string): InspectedUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { kind: "unparseable", reason: unparseableUrlReason(url) };
  }
  if (mayHoldCutPassword(url)) {
    return {
      kind: "ambiguous",
      reason:
        'an "@" follows its host, which a password with a raw "/", "?" or "#" leaves; percent-encode those in a password',
    };
  }
  let masked = false;
  // A value already masked stays as it is, so masking twice changes nothing.
  if (parsed.password !== "" && parsed.password !== MASK) {
    parsed.password = MASK;
    masked = true;
  }
  const query = maskQuery(parsed.search);
  if (query !== parsed.search) {
    parsed.search = query;
    // A raw "#" in a password parameter ends the query: the fragment may be the rest of it.
    if (parsed.hash !== "") parsed.hash = MASK;
    masked = true;
  }
  // Unchanged URLs are returned as given: the parser's serialization would lower-case hosts
  // and add slashes, and a message should show what the user typed.
  return { shown: masked ? parsed.href : url };
}

/**
 * `search` (`?a=1&password=x`) with the value of every secret parameter replaced, the rest kept
 * byte for byte. Names are compared as the parser decodes them, so `pass%77ord` is `password`.
 */
function maskQuery(search: string): string {
  if (search.length <= 1) return search;
  let changed = false;
  const pairs = search.slice(1).split("&");
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i] as string;
    const equals = pair.indexOf("=");
    if (equals === -1 || equals === pair.length - 1 || pair.endsWith(`=${MASK}`)) continue;
    const [entry] = new URLSearchParams(pair);
    if (entry === undefined || !SECRET_PARAMETERS.has(entry[0].toLowerCase())) continue;
    pairs[i] = `${pair.slice(0, equals + 1)}${MASK}`;
    changed = true;
  }
  return changed ? `?${pairs.join("&")}` : search;
}

/**
 * Whether an "@" after the authority may be the end of a password the parser cut short. A
 * password written with a raw "/", "?" or "#" ends the authority early: `redis://u:12/ab@host`
 * parses as host `u`, port `12` and path `/ab@host`, so the password never reaches the masking.
 * Such a URL always keeps a ":" or "@" in what the parser took as the authority and an "@"
 * after it; URLs with an "@" in their path but no user or port (`https://npmjs.com/@scope/x`)
 * are shown.
 */
function mayHoldCutPassword(url: string): boolean {
  const start = url.indexOf("//");
  if (start === -1) return false;
  const end = SPECIAL_SCHEME.test(url) ? /[/?#\\]/g : /[/?#]/g;
  end.lastIndex = start + 2;
  const found = end.exec(url);
  if (found === null) return false;
  const authority = url.slice(start + 2, found.index);
  return /[:@]/.test(authority) && url.includes("@", found.index);
}

/**
 * A URL in free text: a scheme, "://" and everything up to the next white space. Quotes,
 * brackets and sentence punctuation right after it are taken off again ({@link TRAILING}), so
 * `"redis://:pw@host".` keeps its quote and full stop.
 */
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/\S*/gi;
const TRAILING = /[.,;:!?)\]}>"'`]+$/;

/**
 * `text` with every URL in it passed through {@link maskUrl}. For error messages and other text
 * that may embed a URL (ioredis and Node errors sometimes quote the URL they were given).
 */
export function maskSecrets(text: string): string {
  if (!text.includes("://")) return text;
  return text.replace(URL_IN_TEXT, (candidate) => {
    const trailing = TRAILING.exec(candidate)?.[0] ?? "";
    const url = candidate.slice(0, candidate.length - trailing.length);
    const masked = maskUrl(url);
    // After a value masked here the punctuation may be the end of the secret
    // ("?password=hunter2!"): it goes under the mask too, at the cost of a full stop or a quote.
    return masked !== url && masked.endsWith(MASK) ? masked : `${masked}${trailing}`;
  });
}
