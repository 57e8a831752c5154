import { describe, expect, it } from "vitest";
import { Event, InMemoryBackend, Organ, Spine } from "../../src/index.js";

class Greeter extends Organ {
  readonly listensTo = ["USER_JOINED"];
  handle(event: Event) {
    return new Event("GREETED", event.payload);
  }
}

class Named extends Organ {
  readonly listensTo = ["A"];
  constructor() {
    super("custom-name");
  }
  handle(_event: Event) {}
}

/** Registers one organ-shaped object and returns what the Spine constructor throws. */
function registrationError(candidate: unknown): Error {
  try {
    new Spine({ organs: [candidate as Organ], backend: new InMemoryBackend(), logger: false });
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return error as Error;
  }
  throw new Error("expected the Spine to reject the organ");
}

function fakeOrgan(name: string, listensTo: unknown, handle: unknown): unknown {
  return { name, listensTo, handle };
}

describe("Organ", () => {
  it("is named after its subclass unless a name is given", () => {
    expect(new Greeter().name).toBe("Greeter");
    expect(new Named().name).toBe("custom-name");
  });

  it("needs nothing but listensTo and one handle method to run", async () => {
    const backend = new InMemoryBackend();
    await new Spine({ organs: [new Greeter()], backend, logger: false }).run(
      new Event("USER_JOINED", { name: "Ada" }),
    );
    expect(backend.size).toBe(0);
  });
});

describe("Spine organ registration", () => {
  it("rejects listensTo that is not an array, naming the organ", () => {
    const error = registrationError(fakeOrgan("Solo", "USER_JOINED", (_e: Event) => null));
    expect(error.message).toContain("Organ Solo");
    expect(error.message).toContain("listensTo must be an array");
    expect(error.message).toContain("USER_JOINED");
  });

  it.each([
    ["an empty string", ""],
    ["a whitespace-only string", "  "],
    ["a number", 7],
    ["null", null],
  ])("rejects %s inside listensTo, naming the organ and the index", (_label, type) => {
    const error = registrationError(fakeOrgan("Picky", ["OK", type], (_e: Event) => null));
    expect(error.message).toContain("Organ Picky");
    expect(error.message).toContain("listensTo[1] must be a non-empty string");
  });

  it("rejects an event type with surrounding whitespace, which could never match", () => {
    const error = registrationError(fakeOrgan("Padded", [" A "], (_e: Event) => null));
    expect(error.message).toContain("listensTo[0] has surrounding whitespace");
  });

  it("rejects a handle that is not a function", () => {
    const error = registrationError(fakeOrgan("NoHandle", ["A"], "nope"));
    expect(error.message).toContain("Organ NoHandle");
    expect(error.message).toContain("handle must be a method");
  });

  it.each([
    ["no parameter", () => null, 0],
    ["three parameters", (_a: unknown, _b: unknown, _c: unknown) => null, 3],
  ])("rejects a handle declared with %s, naming the count", (_label, handle, declared) => {
    const error = registrationError(fakeOrgan("Arity", ["A"], handle));
    expect(error.message).toContain("Organ Arity");
    expect(error.message).toContain("one parameter (the event) or two (the event and its context)");
    expect(error.message).toContain(`declares ${declared}`);
  });

  it("rejects an entry that is not an object, naming its index", () => {
    const error = registrationError(null);
    expect(error.message).toContain("organs[0] must be an Organ instance");
  });

  it("names an organ without a name by its index", () => {
    const error = registrationError({ listensTo: "A", handle: (_e: Event) => null });
    expect(error.message).toContain("Organ at organs[0]");
  });

  it("accepts a plain object that keeps the contract", async () => {
    const seen: string[] = [];
    const plain = { name: "plain", listensTo: ["A"], handle: (e: Event) => void seen.push(e.id) };
    const spine = new Spine({
      organs: [plain as unknown as Organ],
      backend: new InMemoryBackend(),
      logger: false,
    });
    const start = new Event("A");
    await spine.run(start);
    expect(seen).toEqual([start.id]);
  });
});
