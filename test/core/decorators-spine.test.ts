/**
 * Decorated objects in a Spine: an object with `@on` methods stands, in the `organs` list, for
 * one organ per method, routed and composed like any `Organ` (its middleware, retry and timeout
 * included).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { on, retry, timeout, use } from "../../src/core/decorators.js";
import type { Handler, HandlerContext, Middleware } from "../../src/core/handler.js";
import {
  Event,
  HandlerTimeoutError,
  InMemoryBackend,
  Organ,
  Spine,
  type SpineOptions,
} from "../../src/index.js";

function spineOf(
  organs: SpineOptions["organs"],
  options: Omit<Partial<SpineOptions>, "organs"> = {},
): Spine {
  return new Spine({ organs, backend: new InMemoryBackend(), logger: false, ...options });
}

/** An `Organ` subclass that notes each event it gets, to place decorated handlers among. */
class Recorder extends Organ {
  readonly listensTo: readonly string[];
  readonly #calls: string[];

  constructor(name: string, listensTo: readonly string[], calls: string[]) {
    super(name);
    this.listensTo = listensTo;
    this.#calls = calls;
  }

  handle(event: Event) {
    this.#calls.push(`${this.name}:${event.eventType}`);
  }
}

/** A middleware that notes when it is entered and left. */
function tracing(label: string, calls: string[]): Middleware {
  return (next: Handler): Handler =>
    async (event, ctx) => {
      calls.push(`${label}:in`);
      try {
        return await next(event, ctx);
      } finally {
        calls.push(`${label}:out`);
      }
    };
}

/** Resolves after `ms`, or when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe("Spine with decorated objects", () => {
  it("routes an event to the object's handlers in declaration order, in the object's place among the organs", async () => {
    const calls: string[] = [];
    class Shop {
      @on("ORDER_PLACED")
      record(event: Event) {
        calls.push(`Shop.record:${event.eventType}`);
      }

      @on("ORDER_PLACED", "ORDER_AMENDED")
      bill(event: Event) {
        calls.push(`Shop.bill:${event.eventType}`);
      }
    }
    await spineOf([
      new Recorder("Before", ["ORDER_PLACED"], calls),
      new Shop(),
      new Recorder("After", ["ORDER_PLACED", "ORDER_AMENDED"], calls),
    ]).run([new Event("ORDER_PLACED"), new Event("ORDER_AMENDED")]);
    expect(calls).toEqual([
      "Before:ORDER_PLACED",
      "Shop.record:ORDER_PLACED",
      "Shop.bill:ORDER_PLACED",
      "After:ORDER_PLACED",
      "Shop.bill:ORDER_AMENDED",
      "After:ORDER_AMENDED",
    ]);
  });

  it("calls each handler on its object, and enqueues the events it returns", async () => {
    const calls: string[] = [];
    class Shop {
      readonly invoices: string[] = [];

      @on("ORDER_PLACED")
      bill(event: Event<"ORDER_PLACED", { orderId: string }>) {
        return new Event("INVOICE_SENT", { orderId: event.payload.orderId });
      }

      @on("INVOICE_SENT")
      file(event: Event<"INVOICE_SENT", { orderId: string }>) {
        this.invoices.push(event.payload.orderId);
      }
    }
    const shop = new Shop();
    const stats = await spineOf([shop, new Recorder("Audit", ["INVOICE_SENT"], calls)]).run(
      new Event("ORDER_PLACED", { orderId: "o-1" }),
    );
    expect(shop.invoices).toEqual(["o-1"]);
    expect(calls).toEqual(["Audit:INVOICE_SENT"]);
    expect(stats.eventsEmitted).toBe(1);
  });

  it("counts a handler's failures under Class.method", async () => {
    class Shop {
      @on("ORDER_PLACED")
      bill(_event: Event) {
        throw new Error("card declined");
      }
    }
    const spine = spineOf([new Shop()], { handlerFailureMode: "store" });
    const stats = await spine.run(new Event("ORDER_PLACED"));
    expect(stats.handlerErrors).toEqual({ "Shop.bill": 1 });
    expect(spine.failedEvents().map((failed) => failed.organ)).toEqual(["Shop.bill"]);
  });

  it("fails a handler that outlives its @timeout with HandlerTimeoutError, and aborts its signal", async () => {
    let aborted = false;
    class Shop {
      @timeout(20)
      @on("ORDER_PLACED")
      async slow(_event: Event, ctx: HandlerContext) {
        await pause(5_000, ctx.signal);
        aborted = ctx.signal.aborted;
      }
    }
    const spine = spineOf([new Shop()], { handlerFailureMode: "store" });
    await spine.run(new Event("ORDER_PLACED"));
    const [failed, ...others] = spine.failedEvents();
    expect(others).toEqual([]);
    expect(failed?.organ).toBe("Shop.slow");
    expect(failed?.error).toBeInstanceOf(HandlerTimeoutError);
    expect(failed?.error).toMatchObject({ timeoutMs: 20 });
    expect(aborted).toBe(true);
  });

  it("applies @timeout to its own handler only, in place of handlerTimeoutMs", async () => {
    class Shop {
      @timeout(1_000)
      @on("ORDER_PLACED")
      async patient(_event: Event, ctx: HandlerContext) {
        await pause(60, ctx.signal);
      }

      @on("ORDER_PLACED")
      async hasty(_event: Event, ctx: HandlerContext) {
        await pause(60, ctx.signal);
      }
    }
    const spine = spineOf([new Shop()], { handlerFailureMode: "store", handlerTimeoutMs: 20 });
    await spine.run(new Event("ORDER_PLACED"));
    expect(spine.failedEvents().map((failed) => failed.organ)).toEqual(["Shop.hasty"]);
  });

  it("runs @use middleware around its handler, the first listed outermost, inside the Spine's middleware", async () => {
    const calls: string[] = [];
    class Shop {
      @use(tracing("a", calls))
      @use(tracing("b", calls), tracing("c", calls))
      @on("ORDER_PLACED")
      bill(_event: Event) {
        calls.push("handler");
      }

      @on("ORDER_PLACED")
      plain(_event: Event) {
        calls.push("plain");
      }
    }
    await spineOf([new Shop()], { middleware: [tracing("spine", calls)] }).run(
      new Event("ORDER_PLACED"),
    );
    expect(calls).toEqual([
      "spine:in",
      "a:in",
      "b:in",
      "c:in",
      "handler",
      "c:out",
      "b:out",
      "a:out",
      "spine:out",
      "spine:in",
      "plain",
      "spine:out",
    ]);
  });

  it("retries a failing handler in process by its @retry policy", async () => {
    let tries = 0;
    class Shop {
      @retry({ attempts: 3, backoff: { initialMs: 1, jitter: "none" } })
      @on("ORDER_PLACED")
      bill(_event: Event) {
        tries++;
        if (tries < 3) throw new Error(`try ${tries} failed`);
        return new Event("INVOICE_SENT");
      }
    }
    const spine = spineOf([new Shop()], { handlerFailureMode: "store" });
    const stats = await spine.run(new Event("ORDER_PLACED"));
    expect(tries).toBe(3);
    expect(spine.failedEvents()).toEqual([]);
    expect(stats.eventsEmitted).toBe(1);
  });

  it("takes @retry in place of the Spine's retry policy for that handler", async () => {
    const tries = { own: 0, spines: 0 };
    class Shop {
      @retry({ attempts: 1 })
      @on("ORDER_PLACED")
      own(_event: Event) {
        tries.own++;
        throw new Error("no");
      }

      @on("ORDER_PLACED")
      spines(_event: Event) {
        tries.spines++;
        throw new Error("no");
      }
    }
    const spine = spineOf([new Shop()], {
      handlerFailureMode: "store",
      retry: { "*": { attempts: 2, backoff: { initialMs: 1, jitter: "none" } } },
    });
    await spine.run(new Event("ORDER_PLACED"));
    expect(tries).toEqual({ own: 1, spines: 2 });
  });

  it("refuses, when the Spine is built, a decorated class given instead of an instance", () => {
    class Shop {
      @on("ORDER_PLACED")
      bill(_event: Event) {}
    }
    expect(() => spineOf([Shop])).toThrow(
      new TypeError(
        "Shop is a class with @on methods, not an instance of it: pass new Shop(...) instead",
      ),
    );
  });

  it("checks a decorated handler's event types as any organ's", () => {
    class Shop {
      @on(" ORDER_PLACED")
      bill(_event: Event) {}
    }
    expect(() => spineOf([new Shop()])).toThrow(
      /Shop\.bill: listensTo\[0\] has surrounding whitespace/,
    );
  });
});

describe("docs/decorators.md", () => {
  const root = fileURLToPath(new URL("../../", import.meta.url));

  it("shows a full example that runs as printed and prints what it says", () => {
    const doc = readFileSync(join(root, "docs", "decorators.md"), "utf8");
    const start = doc.indexOf("## A full example\n");
    const example = /```ts\n([\s\S]*?)```/.exec(doc.slice(start))?.[1];
    expect(example).toBeDefined();
    // Inside the repository, so tsx compiles it with the repository's tsconfig, as a user's would.
    const dir = mkdtempSync(join(root, "test", "core", ".decorators-doc-"));
    try {
      // The package's exports as the example imports them, from the source.
      const pkg = join(dir, "necrostack.ts");
      writeFileSync(
        pkg,
        [
          `export * from ${JSON.stringify(join(root, "src", "index.ts"))};`,
          `export * from ${JSON.stringify(join(root, "src", "core", "decorators.ts"))};`,
          `export * from ${JSON.stringify(join(root, "src", "core", "function-organ.ts"))};`,
          `export type * from ${JSON.stringify(join(root, "src", "core", "handler.ts"))};`,
        ].join("\n"),
      );
      const file = join(dir, "example.ts");
      writeFileSync(file, (example ?? "").replace('"necrostack"', JSON.stringify(pkg)));
      const out = execFileSync(process.execPath, ["--import", "tsx", file], {
        cwd: root,
        env: { ...process.env, NECROSTACK_LOG_LEVEL: "warn" },
        encoding: "utf8",
      });
      expect(out).toBe("paid 30 for o-1\n{}\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
