/**
 * Running any Standard Schema as the spec allows it to answer: hand-made validators that behave
 * as some libraries do, each one quirk at a time.
 */
import { describe, expect, it } from "vitest";
import { normaliseIssues, runSchema } from "../../src/core/catalog/standard-schema.js";
import { isStandardSchema, type StandardSchemaV1 } from "../../src/index.js";

function schema(
  validate: StandardSchemaV1.Props["validate"],
): StandardSchemaV1 & { calls: number } {
  const made = {
    calls: 0,
    "~standard": {
      version: 1 as const,
      vendor: "hand-made",
      validate: (value: unknown) => {
        made.calls++;
        return validate(value);
      },
    },
  };
  return made;
}

describe("runSchema", () => {
  it("counts a result with issues as a failure even when it carries a value too", () => {
    const s = schema((value) => ({ value, issues: [{ message: "nope", path: ["a"] }] }) as never);
    expect(runSchema(s, { a: 1 }, ["payload"])).toEqual({
      value: undefined,
      issues: [{ message: "nope", path: ["payload", "a"] }],
    });
  });

  it("counts a result without issues as a success, whatever its value", () => {
    const s = schema(() => ({ value: undefined }));
    expect(runSchema(s, { a: 1 }, [])).toEqual({ value: undefined, issues: undefined });
  });

  it("reads issues given as getters once each", () => {
    let reads = 0;
    let messageReads = 0;
    const issue = {
      get message() {
        messageReads++;
        return "too small";
      },
      path: [{ key: "items" }, { key: 0 }, "qty"],
    };
    const s = schema(
      () =>
        ({
          get issues() {
            reads++;
            return [issue];
          },
        }) as never,
    );
    const verdict = runSchema(s, {}, ["payload"]);
    expect(verdict).toEqual({
      value: undefined,
      issues: [{ message: "too small", path: ["payload", "items", 0, "qty"] }],
    });
    expect(reads).toBe(1);
    expect(messageReads).toBe(1);
  });

  it("normalises { key } path segments to their keys", () => {
    expect(
      normaliseIssues([{ message: "m", path: [{ key: "a" }, 1, { key: "b" }] }], ["payload"]),
    ).toEqual([{ message: "m", path: ["payload", "a", 1, "b"] }]);
  });

  it("reports a failure with an empty issue list as one issue, never as a success", () => {
    const s = schema(() => ({ issues: [] }));
    const verdict = runSchema(s, {}, ["payload"]) as { issues: unknown };
    expect(verdict.issues).toEqual([
      { message: "is invalid (the schema gave no issue)", path: ["payload"] },
    ]);
  });

  it("reports a validator that throws as an issue instead of throwing", () => {
    const s = schema(() => {
      throw new Error("schema bug");
    });
    expect(runSchema(s, {}, ["payload"])).toEqual({
      value: undefined,
      issues: [{ message: "the schema threw: schema bug", path: ["payload"] }],
    });
  });

  it("answers synchronously for a synchronous validator, through a promise for an asynchronous one", async () => {
    const sync = runSchema(
      schema((value) => ({ value })),
      { a: 1 },
      [],
    );
    expect(sync).not.toBeInstanceOf(Promise);
    const later = runSchema(
      schema(async () => ({ issues: [{ message: "later" }] })),
      {},
      ["payload"],
    );
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toEqual({
      value: undefined,
      issues: [{ message: "later", path: ["payload"] }],
    });
    const rejected = runSchema(
      schema(() => Promise.reject(new Error("offline"))),
      {},
      [],
    );
    expect(await rejected).toEqual({
      value: undefined,
      issues: [{ message: "the schema threw: offline", path: [] }],
    });
  });

  it("freezes the issues it returns", () => {
    const issues = normaliseIssues([{ message: "m", path: ["a"] }]);
    expect(Object.isFrozen(issues)).toBe(true);
    expect(Object.isFrozen(issues[0])).toBe(true);
    expect(Object.isFrozen(issues[0]?.path)).toBe(true);
  });
});

describe("isStandardSchema", () => {
  it("recognises objects and functions with a version 1 ~standard and a validate function", () => {
    expect(isStandardSchema(schema((value) => ({ value })))).toBe(true);
    const callable = Object.assign(() => undefined, {
      "~standard": { version: 1, vendor: "f", validate: () => ({ value: 1 }) },
    });
    expect(isStandardSchema(callable)).toBe(true);
  });

  it("refuses anything else", () => {
    expect(isStandardSchema(null)).toBe(false);
    expect(isStandardSchema({})).toBe(false);
    expect(isStandardSchema({ "~standard": { version: 2, validate: () => ({}) } })).toBe(false);
    expect(isStandardSchema({ "~standard": { version: 1 } })).toBe(false);
  });
});
