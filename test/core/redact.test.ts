import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maskSecrets, maskUrl } from "../../src/index.js";

const user = fc.stringMatching(/^[A-Za-z0-9._~-]{0,12}$/);
// Anything a password in a URL can hold as written, raw "@" and ":" included (URL parsers split at the last "@").
const password = fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=%:@-]{1,24}$/);
const scheme = fc.constantFrom("redis", "rediss", "postgres", "amqp", "https");
const text = fc.stringMatching(/^[A-Za-z0-9 .,]{0,20}$/);

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

  it("leaves URLs without a password, and text without URLs, as they are", () => {
    for (const input of [
      "redis://cache:6379/0",
      "mailto user@example.com",
      "http://user@host/x",
      "a@b",
    ]) {
      expect(maskSecrets(input)).toBe(input);
    }
  });

  it("stops at the path: an @ after the host is not part of the password", () => {
    expect(maskUrl("https://u:pw@host/search?q=a@b")).toBe("https://u:***@host/search?q=a@b");
  });
});
