/**
 * Function organs in a Spine: routed and composed like any `Organ`, with their own middleware,
 * retry policy and timeout in place of the Spine's.
 */
import { describe, expect, it } from "vitest";
import { organ } from "../../src/core/function-organ.js";
import type { Handler, Middleware } from "../../src/core/handler.js";
import {
  Event,
  HandlerTimeoutError,
  InMemoryBackend,
  Spine,
  type SpineOptions,
} from "../../src/index.js";

function spineOf(
  organs: SpineOptions["organs"],
  options: Omit<Partial<SpineOptions>, "organs"> = {},
): Spine {
  return new Spine({ organs, backend: new InMemoryBackend(), logger: false, ...options });
}

/** A middleware that notes each call it passes on. */
function noting(label: string, calls: string[]): Middleware {
  return (next: Handler): Handler =>
    (event, ctx) => {
      calls.push(label);
      return next(event, ctx);
    };
}

describe("Spine with function organs", () => {
  it("routes an event to every function organ that listens to its type, in the order given", async () => {
    const calls: string[] = [];
    await spineOf([
      organ("First", ["A", "B"], (event) => void calls.push(`First:${event.eventType}`)),
      organ("Second", ["A"], (event) => void calls.push(`Second:${event.eventType}`)),
    ]).run([new Event("A"), new Event("B")]);
    expect(calls).toEqual(["First:A", "Second:A", "First:B"]);
  });

  it("enqueues what the handler returns", async () => {
    const seen: unknown[] = [];
    await spineOf([
      organ(
        "Billing",
        ["ORDER_PLACED"],
        (event: Event<"ORDER_PLACED", { orderId: string }>) =>
          new Event("INVOICE_SENT", { orderId: event.payload.orderId }),
      ),
      organ("Audit", ["INVOICE_SENT"], (event) => void seen.push(event.payload)),
    ]).run(new Event("ORDER_PLACED", { orderId: "o-1" }));
    expect(seen).toEqual([{ orderId: "o-1" }]);
  });

  it("runs its middleware inside the Spine's, the first listed outermost", async () => {
    const calls: string[] = [];
    const billing = organ("Billing", ["A"], () => void calls.push("handler"), {
      middleware: [noting("own-1", calls), noting("own-2", calls)],
    });
    await spineOf([billing], { middleware: [noting("spine", calls)] }).run(new Event("A"));
    expect(calls).toEqual(["spine", "own-1", "own-2", "handler"]);
  });

  it("fails a try that outlives its timeoutMs, in place of handlerTimeoutMs", async () => {
    const slow = (ms: number) => () => new Promise<void>((resolve) => setTimeout(resolve, ms));
    const spine = spineOf(
      [
        organ("Hasty", ["A"], slow(200), { timeoutMs: 20 }),
        organ("Patient", ["A"], slow(40), { timeoutMs: 1_000 }),
      ],
      { handlerFailureMode: "store", handlerTimeoutMs: 10 },
    );
    await spine.run(new Event("A"));
    const failed = spine.failedEvents();
    expect(failed.map((entry) => entry.organ)).toEqual(["Hasty"]);
    expect(failed[0]?.error).toBeInstanceOf(HandlerTimeoutError);
    expect(failed[0]?.error).toMatchObject({ timeoutMs: 20 });
  });

  it("retries by its own policy, in place of the Spine's", async () => {
    let tries = 0;
    const flaky = organ(
      "Flaky",
      ["A"],
      () => {
        tries++;
        if (tries < 3) throw new Error(`try ${tries} failed`);
      },
      { retry: { attempts: 3, backoff: { initialMs: 1, jitter: "none" } } },
    );
    const spine = spineOf([flaky], {
      handlerFailureMode: "store",
      retry: { "*": { attempts: 1 } },
    });
    await spine.run(new Event("A"));
    expect(tries).toBe(3);
    expect(spine.failedEvents()).toEqual([]);
  });
});
