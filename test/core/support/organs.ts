/**
 * Organs built from a function, so a test can state its handler inline. The class is real: the
 * Spine sees an ordinary Organ subclass with `listensTo` and a one-parameter `handle`.
 */
import { type Event, type HandlerResult, Organ } from "../../../src/index.js";

export type HandleFn = (event: Event) => HandlerResult | Promise<HandlerResult>;

export class FnOrgan extends Organ {
  readonly listensTo: readonly string[];
  readonly #fn: HandleFn;

  constructor(name: string, listensTo: readonly string[], fn: HandleFn) {
    super(name);
    this.listensTo = listensTo;
    this.#fn = fn;
  }

  handle(event: Event): HandlerResult | Promise<HandlerResult> {
    return this.#fn(event);
  }
}

/** An organ named `name` that listens to `listensTo` and runs `fn`. */
export function organ(name: string, listensTo: readonly string[], fn: HandleFn): FnOrgan {
  return new FnOrgan(name, listensTo, fn);
}

/** A promise with its resolve function, for handlers that wait until the test lets them go. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
