/**
 * The handler decorators and `organsOf`, without a Spine: what organs a decorated object stands
 * for, and how misuse is refused. How the Spine runs them is in decorators-spine.test.ts.
 */
import { describe, expect, it } from "vitest";
import { on, organsOf, retry, timeout, use } from "../../src/core/decorators.js";
import { InvalidOptionError } from "../../src/core/errors.js";
import { Event } from "../../src/core/event.js";
import type { Handler, HandlerContext, Middleware } from "../../src/core/handler.js";
import { Organ } from "../../src/core/organ.js";
import type { RetryPolicy } from "../../src/core/retry-policy-types.js";

/** A context for calling a handler directly; these tests never read its parts. */
const ctx = { organ: "test" } as unknown as HandlerContext;

/** A middleware that changes nothing; each call makes a new one. */
const passThrough = (): Middleware => (next) => next;

/** The organs of an object that must have some. */
function organsOfDeclared(instance: object): readonly Organ[] {
  const organs = organsOf(instance);
  if (organs === undefined) throw new Error("expected the object to declare organs");
  return organs;
}

/** The retry and timeout settings the Spine reads off an organ. */
function settingsOf(organ: Organ): { retry?: RetryPolicy; timeoutMs?: number } {
  return organ as Organ & { retry?: RetryPolicy; timeoutMs?: number };
}

/** What `make` throws. */
function thrownBy(make: () => unknown): Error {
  try {
    make();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}

class Shop {
  readonly seen: string[] = [];

  @on("ORDER_PLACED", "ORDER_AMENDED")
  record(event: Event) {
    this.seen.push(`record:${event.eventType}`);
  }

  @on("ORDER_PLACED")
  bill(event: Event<"ORDER_PLACED">) {
    return new Event("INVOICE_SENT", { order: event.id });
  }

  /** Not a handler: no decorator. */
  total(): number {
    return this.seen.length;
  }
}

describe("organsOf", () => {
  it("returns one organ per @on method, in declaration order, named Class.method", () => {
    const organs = organsOfDeclared(new Shop());
    expect(organs.map((organ) => organ.name)).toEqual(["Shop.record", "Shop.bill"]);
  });

  it("makes each organ listen to its method's @on types, in the order listed", () => {
    const organs = organsOfDeclared(new Shop());
    expect(organs.map((organ) => organ.listensTo)).toEqual([
      ["ORDER_PLACED", "ORDER_AMENDED"],
      ["ORDER_PLACED"],
    ]);
  });

  it("returns Organ instances whose handle declares the event and the context", () => {
    for (const organ of organsOfDeclared(new Shop())) {
      expect(organ).toBeInstanceOf(Organ);
      expect(organ.handle.length).toBe(2);
    }
  });

  it("returns undefined for an object with no @on method", () => {
    class Plain {
      handle(_event: Event) {}
    }
    expect(organsOf(new Plain())).toBeUndefined();
    expect(organsOf({ listensTo: ["A"], handle: () => {} })).toBeUndefined();
    expect(organsOf(Object.create(null) as object)).toBeUndefined();
  });

  it("returns the same organs on every call for one object", () => {
    const shop = new Shop();
    expect(organsOf(shop)).toBe(organsOf(shop));
  });

  it("gives each instance its own organs, calling its own methods", () => {
    const first = new Shop();
    const second = new Shop();
    const [record] = organsOfDeclared(second);
    record?.handle(new Event("ORDER_PLACED"), ctx);
    expect(first.seen).toEqual([]);
    expect(second.seen).toEqual(["record:ORDER_PLACED"]);
  });

  it("calls the method on its instance with the event and the context, and returns its result", () => {
    class Echo {
      readonly calls: unknown[][] = [];
      @on("PING")
      ping(event: Event, context: HandlerContext) {
        this.calls.push([this, event, context]);
        return new Event("PONG");
      }
    }
    const echo = new Echo();
    const event = new Event("PING");
    const [organ] = organsOfDeclared(echo);
    const result = organ?.handle(event, ctx);
    expect(echo.calls).toEqual([[echo, event, ctx]]);
    expect(result).toBeInstanceOf(Event);
    expect((result as Event).eventType).toBe("PONG");
  });

  it("keeps the organs of a decorated method apart from the class's other methods", () => {
    const shop = new Shop();
    organsOfDeclared(shop)[0]?.handle(new Event("ORDER_AMENDED"), ctx);
    expect(shop.total()).toBe(1);
  });

  it("adds up two @on on one method, in reading order, each type once", () => {
    class Twice {
      @on("A", "B")
      @on("B", "C")
      handle(_event: Event) {}
    }
    expect(organsOfDeclared(new Twice())[0]?.listensTo).toEqual(["A", "B", "C"]);
  });

  it("takes the organ's middleware from @use, the first listed outermost across decorators", () => {
    const [a, b, c] = [passThrough(), passThrough(), passThrough()];
    class Layered {
      @use(a)
      @on("A")
      @use(b, c)
      handle(_event: Event) {}
    }
    expect(organsOfDeclared(new Layered())[0]?.middleware).toEqual([a, b, c]);
  });

  it("takes the organ's retry policy from @retry and its timeout from @timeout", () => {
    const policy: RetryPolicy = { attempts: 3, backoff: { initialMs: 10 } };
    class Careful {
      @retry(policy)
      @timeout(250)
      @on("A")
      handle(_event: Event) {}
    }
    const [organ] = organsOfDeclared(new Careful());
    expect(organ && settingsOf(organ)).toMatchObject({ retry: policy, timeoutMs: 250 });
  });

  it("leaves retry, timeout and middleware unset on a method with @on alone", () => {
    const [organ] = organsOfDeclared(new Shop());
    expect(organ && settingsOf(organ).retry).toBeUndefined();
    expect(organ && settingsOf(organ).timeoutMs).toBeUndefined();
    expect(organ?.middleware ?? []).toEqual([]);
  });

  it("accepts Infinity in @timeout, turning the timeout off for that handler", () => {
    class Patient {
      @timeout(Number.POSITIVE_INFINITY)
      @on("A")
      handle(_event: Event) {}
    }
    const [organ] = organsOfDeclared(new Patient());
    expect(organ && settingsOf(organ).timeoutMs).toBe(Number.POSITIVE_INFINITY);
  });

  it("makes an organ of a #private method", () => {
    class Secretive {
      readonly seen: string[] = [];
      @on("A")
      // biome-ignore lint/correctness/noUnusedPrivateClassMembers: its organ calls it.
      #handle(event: Event) {
        this.seen.push(event.eventType);
      }
    }
    const secretive = new Secretive();
    const [organ] = organsOfDeclared(secretive);
    expect(organ?.name).toBe("Secretive.#handle");
    organ?.handle(new Event("A"), ctx);
    expect(secretive.seen).toEqual(["A"]);
  });

  it("lists a base class's handlers first, named after the instance's class", () => {
    class Base {
      @on("A")
      first(_event: Event) {}
    }
    class Derived extends Base {
      @on("B")
      second(_event: Event) {}
    }
    const organs = organsOfDeclared(new Derived());
    expect(organs.map((organ) => [organ.name, organ.listensTo])).toEqual([
      ["Derived.first", ["A"]],
      ["Derived.second", ["B"]],
    ]);
  });

  it("runs a subclass's override of an @on method under the base's decorators", () => {
    const calls: string[] = [];
    class Base {
      @timeout(100)
      @on("A")
      handle(_event: Event) {
        calls.push("base");
      }
    }
    class Derived extends Base {
      override handle(_event: Event) {
        calls.push("derived");
      }
    }
    const [organ, ...rest] = organsOfDeclared(new Derived());
    expect(rest).toEqual([]);
    expect(organ?.listensTo).toEqual(["A"]);
    expect(organ && settingsOf(organ).timeoutMs).toBe(100);
    organ?.handle(new Event("A"), ctx);
    expect(calls).toEqual(["derived"]);
  });

  it("replaces the base's decorators when a subclass decorates its override again, in the base's place", () => {
    class Base {
      @timeout(100)
      @on("A")
      handle(_event: Event) {}
      @on("C")
      other(_event: Event) {}
    }
    class Derived extends Base {
      @on("B")
      override handle(_event: Event) {}
    }
    const organs = organsOfDeclared(new Derived());
    expect(organs.map((organ) => [organ.name, organ.listensTo])).toEqual([
      ["Derived.handle", ["B"]],
      ["Derived.other", ["C"]],
    ]);
    expect(organs[0] && settingsOf(organs[0]).timeoutMs).toBeUndefined();
  });

  it("names the organs of a class without a name as such", () => {
    class Unnamed {
      @on("A")
      handle(_event: Event) {}
    }
    // Compilers name anonymous classes differently (esbuild calls one `_a`): take the name away.
    Object.defineProperty(Unnamed, "name", { value: "" });
    expect(organsOfDeclared(new Unnamed())[0]?.name).toBe("(anonymous class).handle");
  });

  it("refuses a class passed instead of an instance, saying how to make one", () => {
    expect(() => organsOf(Shop)).toThrow(
      new TypeError(
        "Shop is a class with @on methods, not an instance of it: pass new Shop(...) instead",
      ),
    );
  });

  it("refuses an instance whose decorated method was replaced by something that is not a function", () => {
    const shop = new Shop();
    Object.defineProperty(shop, "bill", { value: "nope" });
    expect(() => organsOf(shop)).toThrow(
      new TypeError(
        "Shop.bill is an @on handler, but on this instance it is `nope` (string), not a method",
      ),
    );
  });
});

describe("decorator misuse", () => {
  it("refuses @on() with no event type when the class is defined", () => {
    const error = thrownBy(
      () =>
        class {
          // @ts-expect-error at least one event type is required
          @on()
          handle(_event: Event) {}
        },
    );
    expect(error).toEqual(
      new TypeError('@on() on handle needs at least one event type, such as @on("ORDER_PLACED")'),
    );
  });

  it.each([
    ["a number", 3, "`3` (number)"],
    ["an empty string", "", "`` (string)"],
    ["a blank string", "  ", "`  ` (string)"],
  ])("refuses %s as an event type", (_label, type, shown) => {
    const error = thrownBy(
      () =>
        class {
          @on("A", type as string)
          handle(_event: Event) {}
        },
    );
    expect(error).toEqual(
      new TypeError(
        `@on(...) on handle: type 2 must be a non-empty event type string, got ${shown}`,
      ),
    );
  });

  it.each([
    ["@retry", retry({ attempts: 2 })],
    ["@timeout", timeout(10)],
    ["@use", use(passThrough())],
  ])("refuses %s on a method without @on, naming the class and method", (name, decorator) => {
    class Forgetful {
      @decorator
      handle(_event: Event) {}
    }
    expect(() => new Forgetful()).toThrow(
      new TypeError(
        `Forgetful.handle has ${name} but no @on(...): they apply to a handler, and only an @on method is one. Add @on("EVENT_TYPE") to Forgetful.handle, next to its other decorators (a decorator between them that replaces the method separates them)`,
      ),
    );
  });

  it("names every decorator of a method that lacks @on", () => {
    class Forgetful {
      @retry({ attempts: 2 })
      @timeout(10)
      handle(_event: Event) {}
    }
    expect(() => new Forgetful()).toThrow(/^Forgetful\.handle has @retry and @timeout but no @on/);
  });

  it("refuses a decorated static method when the class is defined", () => {
    const error = thrownBy(
      () =>
        // biome-ignore lint/complexity/noStaticOnlyClass: the static method is the misuse tested.
        class {
          // @ts-expect-error a handler runs on an instance
          @on("A")
          static handle(_event: Event) {}
        },
    );
    expect(error).toEqual(
      new TypeError(
        "@on cannot decorate the static method handle: a handler runs on an instance, so make handle an instance method",
      ),
    );
  });

  it.each([
    [
      "a field",
      () =>
        class {
          // @ts-expect-error @on is for methods
          @on("A")
          total = 0;
        },
      "@on can only decorate a method, but it was put on a field (total)",
    ],
    [
      "a getter",
      () =>
        class {
          // @ts-expect-error @on is for methods
          @timeout(10)
          get total() {
            return 0;
          }
        },
      "@timeout can only decorate a method, but it was put on a getter (total)",
    ],
    [
      "a class",
      () => {
        // @ts-expect-error @on is for methods
        @on("A")
        class Whole {}
        return Whole;
      },
      "@on can only decorate a method, but it was put on a class (Whole)",
    ],
  ])("refuses a decorator on %s", (_label, define, message) => {
    expect(thrownBy(define)).toEqual(new TypeError(message));
  });

  it.each([
    ["@retry", () => retry({ attempts: 2 })],
    ["@timeout", () => timeout(10)],
  ])("refuses %s twice on one method", (name, make) => {
    const error = thrownBy(
      () =>
        class {
          @make()
          @make()
          @on("A")
          handle(_event: Event) {}
        },
    );
    expect(error).toEqual(new TypeError(`handle has ${name} twice; keep one`));
  });

  it("refuses a retry policy out of range, with the option error as its cause", () => {
    const error = thrownBy(
      () =>
        class {
          @retry({ attempts: 0 })
          @on("A")
          handle(_event: Event) {}
        },
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe(
      "@retry(...) on handle: Expected `retry.attempts` to be an integer >= 1 (tries in all), got `0` (number)",
    );
    expect(error.cause).toBeInstanceOf(InvalidOptionError);
  });

  it.each([0, -5, 1.5, Number.NaN, 2 ** 31])("refuses @timeout(%s)", (ms) => {
    const error = thrownBy(
      () =>
        class {
          @timeout(ms)
          @on("A")
          handle(_event: Event) {}
        },
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(
      /^@timeout\(ms\) on handle: Expected `ms` to be an integer from 1 to 2147483647 \(ms\) or Infinity, got /,
    );
    expect(error.cause).toBeInstanceOf(InvalidOptionError);
  });

  it("refuses @use() with no middleware", () => {
    const error = thrownBy(
      () =>
        class {
          @use()
          @on("A")
          handle(_event: Event) {}
        },
    );
    expect(error).toEqual(new TypeError("@use() on handle needs at least one middleware"));
  });

  it("refuses @use with something that is not middleware", () => {
    const notMiddleware = { wrap: true } as unknown as Middleware;
    const error = thrownBy(
      () =>
        class {
          @use(passThrough(), notMiddleware)
          @on("A")
          handle(_event: Event) {}
        },
    );
    expect(error).toEqual(
      new TypeError(
        '@use(...) on handle: middleware[1] must be a function (next, organ) => handler, got `{"wrap":true}` (object)',
      ),
    );
  });

  it("refuses @on in an Organ subclass, whose events go to handle()", () => {
    class Confused extends Organ {
      readonly listensTo = ["A"];
      handle(_event: Event) {}
      @on("B")
      other(_event: Event) {}
    }
    expect(() => new Confused()).toThrow(
      new TypeError(
        "Confused.other has @on, but Confused extends Organ, whose events go to handle(): use either an Organ subclass or a plain class with @on methods",
      ),
    );
  });

  it("leaves the middleware to the Spine: an organ's handle calls the method alone", async () => {
    const calls: string[] = [];
    const tag =
      (label: string): Middleware =>
      (next: Handler): Handler =>
      (event, context) => {
        calls.push(label);
        return next(event, context);
      };
    class Tagged {
      @use(tag("a"))
      @on("A")
      handle(_event: Event) {
        calls.push("handler");
      }
    }
    const [organ] = organsOfDeclared(new Tagged());
    await organ?.handle(new Event("A"), ctx);
    expect(calls).toEqual(["handler"]);
  });
});
