import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maskSecrets, maskUrl } from "../../src/index.js";

const user = fc.stringMatching(/^[A-Za-z0-9._~-]{0,12}$/);
// Anything a password in a URL can hold as written, raw "@" and ":" included (URL parsers split at the last "@").
const password = fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=%:@-]{1,24}$/);
const scheme = fc.constantFrom("redis", "rediss", "postgres", "amqp", "https");
const text = fc.stringMatching(/^[A-Za-z0-9 .,]{0,20}$/);
/** Any printable ASCII, the characters that end or split a URL's parts (@ : / ? # & = %) included. */
const printablePassword = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  minLength: 6,
  maxLength: 32,
});

describe("maskUrl", () => {
  it.each([
    ["redis://user:secret@cache:6379/0", "redis://user:***@cache:6379/0"],
    ["redis://:secret@cache", "redis://:***@cache"],
    ["redis://cache:6379?password=secret", "redis://cache:6379?password=***"],
    ["redis://user:secret@cache/0?password=x&db=1", "redis://user:***@cache/0?password=***&db=1"],
    ["rediss://u:p%40ss%3Aw%2Frd@cache:6380", "rediss://u:***@cache:6380"],
  ])("masks the password of %s", (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
  });

  it.each([
    "password",
    "pass",
    "pwd",
    "token",
    "secret",
    "auth",
    "PASSWORD",
    "Token",
    "pass%77ord",
  ])("masks the query parameter %s, whatever its case or encoding", (name) => {
    expect(maskUrl(`redis://cache?db=2&${name}=hunter2`)).toBe(`redis://cache?db=2&${name}=***`);
  });

  it("masks every copy of a secret parameter", () => {
    expect(maskUrl("redis://cache?password=a&password=b")).toBe(
      "redis://cache?password=***&password=***",
    );
  });

  it("masks the fragment after a secret parameter: it may be the rest of a password with a raw #", () => {
    expect(maskUrl("redis://cache?password=hun#ter2")).toBe("redis://cache?password=***#***");
  });

  it("shows a user name without a password: ioredis sends it as the ACL user name, not as a password", () => {
    expect(maskUrl("redis://alice@cache:6379")).toBe("redis://alice@cache:6379");
  });

  it("returns a URL without secrets exactly as given, without normalising it", () => {
    for (const url of [
      "redis://Cache.Internal:6379/0?db=1&family=6",
      "http://example.com",
      "redis://cache?password=",
    ]) {
      expect(maskUrl(url)).toBe(url);
    }
  });

  it.each([
    ["redis://u:pa ss@host:notaport", "its port is not a number"],
    ["redis://u:p@[bad", 'its IPv6 host has no closing "]"'],
    ["redis://cache:99999", "its port is above 65535"],
    ["redis://ca che:6379", "its host holds a space or another character no host can"],
    ["redis://:6379", "it has no host"],
    ["cache 6379", 'it has no scheme, such as "redis://"'],
    ["", "it is empty"],
  ])("does not show the unparseable %j, only what is wrong with it", (url, reason) => {
    expect(maskUrl(url)).toBe(`<unparseable URL, not shown: ${reason}>`);
  });

  it("hints at percent-encoding when a raw #, ? or / in a password breaks the URL", () => {
    const masked = maskUrl("redis://u:pa#ss@cache:6379");
    expect(masked).toBe(
      '<unparseable URL, not shown: its port is not a number; percent-encode "/", "?", "#" and "@" in a password>',
    );
  });

  it.each([
    "redis://u:12/ab@cache:6379",
    "redis://u:?word@cache",
    "redis://u:1#2@cache",
    "redis://user:ab@cd/ef@cache",
    "https://u:pw@host/search?q=a@b",
  ])("does not show %s: an @ after the host may end a password with a raw / ? or #", (url) => {
    expect(maskUrl(url)).toMatch(/^<ambiguous URL, not shown: /);
  });

  it("shows an @ after the host of a URL with neither user nor port, as package paths have", () => {
    for (const url of [
      "https://www.npmjs.com/package/@scope/pkg",
      "file:///app/node_modules/@scope/pkg/index.js",
    ]) {
      expect(maskUrl(url)).toBe(url);
    }
  });

  it("never shows a percent-encoded password from userinfo or a password parameter", () => {
    fc.assert(
      fc.property(printablePassword, (pw) => {
        const encoded = encodeURIComponent(pw);
        const inUserinfo = maskUrl(`redis://user:${encoded}@cache.internal:6379/0`);
        expect(inUserinfo).toBe("redis://user:***@cache.internal:6379/0");
        const inQuery = maskUrl(`redis://cache.internal:6379/0?password=${encoded}&db=1`);
        expect(inQuery).toBe("redis://cache.internal:6379/0?password=***&db=1");
        for (const shown of [inUserinfo, inQuery]) {
          expect(shown).not.toContain(pw);
          expect(shown).not.toContain(encoded);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("never shows a password written raw into the userinfo: it is masked, or the URL is not shown", () => {
    fc.assert(
      fc.property(printablePassword, (pw) => {
        fc.pre(pw.trim() !== "");
        const shown = maskUrl(`redis://user:${pw}@cache.internal:6379/0`);
        expect(shown).not.toContain(pw);
        expect(shown).toMatch(
          /^redis:\/\/user:\*\*\*@cache\.internal:6379\/0$|^<\w+ URL, not shown/,
        );
      }),
      { numRuns: 500 },
    );
  });
});

describe("maskSecrets", () => {
  it("replaces the password of every URL in a text with ***, and changes nothing else", () => {
    fc.assert(
      fc.property(scheme, user, password, text, text, (s, u, pw, before, after) => {
        const input = `${before} ${s}://${u}:${pw}@cache.internal:6379/0 ${after}`;
        expect(maskSecrets(input)).toBe(`${before} ${s}://${u}:***@cache.internal:6379/0 ${after}`);
      }),
    );
  });

  it("masks several URLs in one text", () => {
    expect(maskSecrets("from redis://a:one@h1 to amqp://b:two@h2:5672")).toBe(
      "from redis://a:***@h1 to amqp://b:***@h2:5672",
    );
  });

  it("masks password parameters in a text", () => {
    expect(maskSecrets("connect to redis://cache:6379?password=hunter2 failed")).toBe(
      "connect to redis://cache:6379?password=*** failed",
    );
  });

  it("masks a URL in quotes, brackets or at the end of a sentence, keeping the punctuation", () => {
    expect(maskSecrets('url "redis://:pw@h:1", (redis://:pw@h:1) and redis://:pw@h:1.')).toBe(
      'url "redis://:***@h:1", (redis://:***@h:1) and redis://:***@h:1.',
    );
  });

  it("replaces an unparseable URL in a text by what is wrong with it", () => {
    expect(maskSecrets("bad redis://u:hunter2@cache:port here")).toBe(
      "bad <unparseable URL, not shown: its port is not a number> here",
    );
  });

  it("never shows a password parameter of a URL anywhere in a text", () => {
    fc.assert(
      fc.property(printablePassword, text, text, (pw, before, after) => {
        const encoded = encodeURIComponent(pw);
        const masked = maskSecrets(`${before} redis://cache:6379?password=${encoded} ${after}`);
        expect(masked).toBe(`${before} redis://cache:6379?password=*** ${after}`);
        expect(masked).not.toContain(pw);
      }),
      { numRuns: 500 },
    );
  });

  it("puts punctuation right after a masked value under the mask: it may end the secret", () => {
    expect(maskSecrets("tried redis://cache?password=hunter2!!, then gave up")).toBe(
      "tried redis://cache?password=*** then gave up",
    );
  });

  it("changes nothing in a text masked already, quotes and punctuation included", () => {
    const once = maskSecrets('got "redis://u:pw@h:1/?token=t", then redis://h?password=p.');
    // The first pass took the punctuation after each secret under its mask; the second keeps it.
    expect(once).toBe('got "redis://u:***@h:1/?token=*** then redis://h?password=***');
    expect(maskSecrets(once)).toBe(once);
    expect(maskSecrets(`${once}.`)).toBe(`${once}.`);
  });

  it("leaves URLs without a password, and text without URLs, as they are", () => {
    for (const input of [
      "redis://cache:6379/0",
      "mailto user@example.com",
      "http://user@host/x",
      "a@b",
      "expected a redis:// or rediss:// URL",
    ]) {
      expect(maskSecrets(input)).toBe(input);
    }
  });
});
