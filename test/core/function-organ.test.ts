/**
 * `organ(name, listensTo, handler)`, without a Spine: the organ it builds and the arguments it
 * refuses. How the Spine runs one is in function-organ-spine.test.ts.
 */
import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/core/errors.js";
import { Event } from "../../src/core/event.js";
import { type OrganOptions, organ } from "../../src/core/function-organ.js";
import type { Handler, HandlerContext, Middleware } from "../../src/core/handler.js";
import { Organ } from "../../src/core/organ.js";

/** A context for calling a handler directly; these tests never read its parts. */
const ctx = { organ: "test" } as unknown as HandlerContext;
const nothing: Handler = () => undefined;
const passThrough = (): Middleware => (next) => next;

describe("organ()", () => {
  it("builds an Organ with the given name and event types", () => {
    const built = organ("Billing", ["ORDER_PLACED", "ORDER_AMENDED"], nothing);
    expect(built).toBeInstanceOf(Organ);
    expect(built.name).toBe("Billing");
    expect(built.listensTo).toEqual(["ORDER_PLACED", "ORDER_AMENDED"]);
  });

  it("declares handle with the event and the context, as the Spine's check accepts", () => {
    expect(organ("A", ["A"], nothing).handle.length).toBe(2);
  });

  it("calls the handler with the event and the context, and returns what it returns", async () => {
    const calls: unknown[][] = [];
    const reply = new Event("PONG");
    const built = organ("Ping", ["PING"], async (event, context) => {
      calls.push([event, context]);
      return reply;
    });
    const event = new Event("PING");
    expect(await built.handle(event, ctx)).toBe(reply);
    expect(calls).toEqual([[event, ctx]]);
  });

  it("calls the handler with no this: the organ is not the handler's to use", () => {
    let self: unknown = "unset";
    const built = organ("A", ["A"], function (this: unknown) {
      self = this;
    });
    built.handle(new Event("A"), ctx);
    expect(self).toBeUndefined();
  });

  it("keeps its own frozen copy of listensTo and middleware", () => {
    const types = ["A"];
    const middleware = [passThrough()];
    const built = organ("A", types, nothing, { middleware });
    types.push("B");
    middleware.push(passThrough());
    expect(built.listensTo).toEqual(["A"]);
    expect(built.middleware).toHaveLength(1);
    expect(Object.isFrozen(built.listensTo)).toBe(true);
    expect(Object.isFrozen(built.middleware)).toBe(true);
  });

  it("exposes its middleware, retry policy and timeout for the Spine to read", () => {
    const middleware = [passThrough(), passThrough()];
    const retry = { attempts: 4, backoff: { initialMs: 5, jitter: "none" as const } };
    const built = organ("A", ["A"], nothing, { middleware, retry, timeoutMs: 1_500 });
    expect(built.middleware).toEqual(middleware);
    expect(built.retry).toBe(retry);
    expect(built.timeoutMs).toBe(1_500);
  });

  it("leaves middleware, retry and timeout unset when not given, so the Spine's own apply", () => {
    const built = organ("A", ["A"], nothing);
    expect(built.middleware).toBeUndefined();
    expect(built.retry).toBeUndefined();
    expect(built.timeoutMs).toBeUndefined();
  });

  it("accepts a timeout of Infinity, which turns the timeout off for this organ", () => {
    expect(organ("A", ["A"], nothing, { timeoutMs: Number.POSITIVE_INFINITY }).timeoutMs).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it("leaves the event types to the Spine's routing check, as for every organ", () => {
    expect(organ("A", [" padded "], nothing).listensTo).toEqual([" padded "]);
  });
});

describe("organ() refuses", () => {
  it.each([
    ["an empty name", "", "`` (string)"],
    ["a name that is not a string", 7, "`7` (number)"],
  ])("%s", (_label, name, shown) => {
    expect(() => organ(name as string, ["A"], nothing)).toThrow(
      new TypeError(`organ(name, ...): name must be a non-empty string, got ${shown}`),
    );
  });

  it("listensTo that is not an array", () => {
    expect(() => organ("Billing", "ORDER_PLACED" as unknown as string[], nothing)).toThrow(
      new TypeError(
        'organ("Billing"): listensTo must be an array of event types, such as ["ORDER_PLACED"], got `ORDER_PLACED` (string)',
      ),
    );
  });

  it("a handler that is not a function", () => {
    expect(() => organ("Billing", ["A"], null as unknown as Handler)).toThrow(
      new TypeError(
        'organ("Billing"): handler must be a function (event, ctx) => events, got `null`',
      ),
    );
  });

  it("options that are not an object", () => {
    expect(() => organ("Billing", ["A"], nothing, 5 as unknown as OrganOptions)).toThrow(
      new TypeError('organ("Billing"): options must be an object, got `5` (number)'),
    );
  });

  it("middleware that is not a list of functions", () => {
    const middleware = [passThrough(), "log"] as unknown as Middleware[];
    expect(() => organ("Billing", ["A"], nothing, { middleware })).toThrow(
      new TypeError(
        'organ("Billing"): middleware[1] must be a function (next, organ) => handler, got `log` (string)',
      ),
    );
  });

  it("a retry policy out of range", () => {
    const error = (() => {
      try {
        organ("Billing", ["A"], nothing, { retry: { attempts: 1.5 } });
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as Error).message).toBe(
      'Expected `organ("Billing").retry.attempts` to be an integer >= 1 (tries in all), got `1.5` (number)',
    );
  });

  it.each([0, -1, 2.5, Number.NaN, 2 ** 31])("a timeout of %s ms", (timeoutMs) => {
    expect(() => organ("Billing", ["A"], nothing, { timeoutMs })).toThrow(InvalidOptionError);
    expect(() => organ("Billing", ["A"], nothing, { timeoutMs })).toThrow(
      /^Expected `organ\("Billing"\)\.timeoutMs` to be an integer from 1 to 2147483647 \(ms\) or Infinity, got /,
    );
  });
});
