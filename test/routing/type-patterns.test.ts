import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileTypePatterns } from "../../src/backends/routing/type-patterns.js";
import { InvalidOptionError } from "../../src/index.js";

describe("compileTypePatterns", () => {
  it("matches a type against * as any run of characters, none included", () => {
    const matches = compileTypePatterns(["AUDIT_*"], "types");
    expect(matches("AUDIT_LOGIN")).toBe(true);
    expect(matches("AUDIT_")).toBe(true);
    expect(matches("AUDIT")).toBe(false);
    expect(matches("X_AUDIT_LOGIN")).toBe(false);
    const middle = compileTypePatterns(["ORDER_*_FAILED"], "types");
    expect(middle("ORDER_PAYMENT_FAILED")).toBe(true);
    expect(middle("ORDER_PAYMENT_DONE")).toBe(false);
  });

  it("matches when any pattern of the list does, and * matches every type", () => {
    const matches = compileTypePatterns(["PING", "P*G", "AUDIT_*"], "types");
    expect(matches("PING")).toBe(true);
    expect(matches("PONG")).toBe(true);
    expect(matches("AUDIT_X")).toBe(true);
    expect(matches("PINGS")).toBe(false);
    expect(compileTypePatterns(["*"], "types")("anything at all")).toBe(true);
  });

  it("takes every character but * literally", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((s) => !s.includes("*")),
        fc.string(),
        (pattern, other) => {
          const matches = compileTypePatterns([pattern], "types");
          expect(matches(pattern)).toBe(true);
          expect(matches(other)).toBe(other === pattern);
          const prefix = compileTypePatterns([`${pattern}*`], "types");
          expect(prefix(pattern + other)).toBe(true);
        },
      ),
    );
  });

  it("refuses an empty list, a non-array and a pattern that is not a non-empty string, naming it", () => {
    expect(() => compileTypePatterns([], "routes[0].types")).toThrow(InvalidOptionError);
    expect(() => compileTypePatterns("AUDIT_*", "routes[0].types")).toThrow(/routes\[0\]\.types/);
    expect(() => compileTypePatterns(["A", ""], "routes[1].types")).toThrow(
      /`routes\[1\]\.types\[1\]` to be a non-empty string, got `` \(string\)/,
    );
    expect(() => compileTypePatterns([3], "types")).toThrow(/got `3` \(number\)/);
  });
});
