/**
 * Handler decorators: in a plain class, each method marked `@on("TYPE", ...)` is one organ, and
 * `@retry`, `@timeout` and `@use` set that organ's retry policy, timeout and middleware. The
 * Spine turns such an object into its organs with {@link organsOf}, built with `organ()`, so
 * they are routed and composed exactly as `Organ` subclasses are.
 *
 * These are standard (TC39) decorators: no `experimentalDecorators`. Node 20 cannot parse
 * decorators itself; `tsc`, `tsx` and esbuild lower them.
 */
import { describeValue, messageOf } from "./errors.js";
import type { Event } from "./event.js";
import { checkMiddlewareList, checkTimeoutMs, organ } from "./function-organ.js";
import type { Handler, HandlerContext, HandlerResult, Middleware } from "./handler.js";
import type { JsonObject } from "./json.js";
import { Organ } from "./organ.js";
import { resolveRetryPolicy } from "./retry-policy.js";
import type { RetryPolicy } from "./retry-policy-types.js";

// ---------------------------------------------------------------------------------------------
// Types

/** A method that handles events `E`, as `@on` takes it. */
export type HandlerMethod<This, E extends Event> = (
  this: This,
  event: E,
  ctx: HandlerContext,
) => HandlerResult | Promise<HandlerResult>;

/**
 * The context of a decorator on a handler method. `static: false` makes a decorator on a static
 * method a type error: a handler runs on an instance.
 */
export type HandlerMethodContext<This, E extends Event> = ClassMethodDecoratorContext<
  This,
  HandlerMethod<This, E>
> & { readonly static: false };

/**
 * What `@on(...types)` returns. The method's event parameter must accept an event of any listed
 * type; its payload type is the method's to declare (unchecked, as in an `Organ` subclass). For
 * payloads checked against an event map, use {@link decorators}.
 */
export type OnDecorator<T extends string> = <This, P extends JsonObject>(
  method: HandlerMethod<This, Event<T, P>>,
  context: HandlerMethodContext<This, Event<T, P>>,
) => void;

/** What `@retry`, `@timeout` and `@use` return: for a handler method, which also needs `@on`. */
export type HandlerDecorator = <This, E extends Event>(
  method: HandlerMethod<This, E>,
  context: HandlerMethodContext<This, E>,
) => void;

/** Event types mapped to their payload types: `{ ORDER_PLACED: { orderId: string } }`. */
export type EventMap<M> = { readonly [K in keyof M]: JsonObject };

/** The event of each type in `T`: a union the method can narrow by `eventType`. */
export type EventOf<M extends EventMap<M>, T extends keyof M & string> = T extends unknown
  ? Event<T, M[T]>
  : never;

/** The decorators of {@link decorators}, typed by the event map `M`. */
export interface TypedDecorators<M extends EventMap<M>> {
  /**
   * `@on("ORDER_PLACED", "ORDER_AMENDED")`: the method handles these types, and its event
   * parameter must accept each one's event with its payload from `M`.
   */
  on<T extends keyof M & string>(
    ...types: [T, ...T[]]
  ): <This>(
    method: HandlerMethod<This, EventOf<M, T>>,
    context: HandlerMethodContext<This, EventOf<M, T>>,
  ) => void;
  retry: typeof retry;
  timeout: typeof timeout;
  use: typeof use;
}

// ---------------------------------------------------------------------------------------------
// The decorators

/**
 * Marks a method as a handler of these event types: one organ, named `Class.method`, listening
 * to them. Two `@on` on one method add up.
 *
 * ```ts
 * class Orders {
 *   @on("ORDER_PLACED", "ORDER_AMENDED")
 *   record(event: Event<"ORDER_PLACED" | "ORDER_AMENDED">, ctx: HandlerContext) { ... }
 * }
 * ```
 */
export function on<T extends string>(...types: [T, ...T[]]): OnDecorator<T> {
  return (method, context) => {
    const spec = specFor("@on", method, context);
    if (types.length === 0) {
      throw new TypeError(
        `@on() on ${spec.member} needs at least one event type, such as @on("ORDER_PLACED")`,
      );
    }
    types.forEach((type: unknown, i) => {
      if (typeof type !== "string" || type.trim() === "") {
        throw new TypeError(
          `@on(...) on ${spec.member}: type ${i + 1} must be a non-empty event type string, got ${describeValue(type)}`,
        );
      }
    });
    // Decorators apply from the bottom up; putting the later ones first keeps reading order.
    spec.types = [...new Set([...types, ...(spec.types ?? [])])];
    spec.decorators.unshift("@on");
  };
}

/**
 * Retries the handler's failures with this policy, in place of the Spine's `retry` policies.
 * `@retry({ attempts: 3 })` tries it 3 times in all.
 */
export function retry(policy: RetryPolicy): HandlerDecorator {
  return (method, context) => {
    const spec = specFor("@retry", method, context);
    once(spec, "@retry", spec.retry);
    try {
      resolveRetryPolicy("retry", policy);
    } catch (error) {
      throw new TypeError(`@retry(...) on ${spec.member}: ${messageOf(error)}`, { cause: error });
    }
    spec.retry = policy;
    spec.decorators.unshift("@retry");
  };
}

/**
 * Fails a try of the async handler that has not settled within `ms`, in place of the Spine's
 * `handlerTimeoutMs`; `Infinity` turns the timeout off for this handler.
 */
export function timeout(ms: number): HandlerDecorator {
  return (method, context) => {
    const spec = specFor("@timeout", method, context);
    once(spec, "@timeout", spec.timeoutMs);
    try {
      checkTimeoutMs("ms", ms);
    } catch (error) {
      throw new TypeError(`@timeout(ms) on ${spec.member}: ${messageOf(error)}`, { cause: error });
    }
    spec.timeoutMs = ms;
    spec.decorators.unshift("@timeout");
  };
}

/**
 * Wraps the handler in middleware, inside the Spine's own. The first listed is the outermost,
 * across decorators too: `@use(a) @use(b, c)` runs a, then b, then c, then the handler.
 */
export function use(...middleware: Middleware[]): HandlerDecorator {
  return (method, context) => {
    const spec = specFor("@use", method, context);
    if (middleware.length === 0) {
      throw new TypeError(`@use() on ${spec.member} needs at least one middleware`);
    }
    checkMiddlewareList(middleware, `@use(...) on ${spec.member}: middleware`);
    spec.middleware = [...middleware, ...spec.middleware];
    spec.decorators.unshift("@use");
  };
}

/**
 * The decorators, typed by an event map: `@on` then checks the method's event parameter against
 * the listed types' payloads. At run time they are the same functions as the untyped ones.
 *
 * ```ts
 * type Shop = { ORDER_PLACED: { orderId: string }; ORDER_AMENDED: { orderId: string } };
 * const { on, retry } = decorators<Shop>();
 * ```
 */
export function decorators<M extends EventMap<M>>(): TypedDecorators<M> {
  // The same functions, seen through narrower types: the typed `on` accepts a subset of the
  // methods the untyped one does.
  return TYPED as unknown as TypedDecorators<M>;
}

const TYPED = Object.freeze({ on, retry, timeout, use });

// ---------------------------------------------------------------------------------------------
// What the Spine calls

/**
 * The organs an object declares with `@on` methods: one per method, in declaration order (a
 * base class's first), each named `Class.method` and calling the method on `instance`.
 * `undefined` when the object has none. Built once per object; later calls return the same
 * organs.
 *
 * A subclass that overrides an `@on` method without decorators keeps the base's decorators and
 * runs its own body; one that decorates it again replaces them.
 *
 * Throws a `TypeError` when given a class with `@on` methods instead of an instance, or when a
 * decorated method is no longer a function on `instance`.
 */
export function organsOf(instance: object): readonly Organ[] | undefined {
  if (typeof instance === "function" && declaresHandlers(instance)) {
    const name = instance.name === "" ? "this class" : instance.name;
    throw new TypeError(
      `${name} is a class with @on methods, not an instance of it: pass new ${name}(...) instead`,
    );
  }
  const cached = built.get(instance);
  if (cached !== undefined) return cached;
  const methods = declared.get(instance);
  if (methods === undefined) return undefined;
  const className = classNameOf(instance);
  const organs = Object.freeze(methods.map((spec) => organFor(instance, className, spec)));
  built.set(instance, organs);
  return organs;
}

// ---------------------------------------------------------------------------------------------
// Bookkeeping
//
// Each decorator of a method gets its own context object, and Node 20 has no `Symbol.metadata`
// to share data between them, so the decorators of one method meet on the method's function: it
// is the one value they all receive. Its first decorator also adds an initializer, which runs
// in each instance's constructor and records the method for that instance.

/** What the decorators of one method said. */
interface HandlerSpec {
  /** How errors show the method: `placeOrder`, `#audit`, `[Symbol(x)]`. */
  readonly member: string;
  readonly key: string | symbol;
  readonly isPrivate: boolean;
  /** Reads the method off an instance; the only way to reach a `#private` one. */
  readonly get: (instance: unknown) => unknown;
  /** Which decorators it has, in reading order, for error messages. */
  readonly decorators: string[];
  types: string[] | undefined;
  retry: RetryPolicy | undefined;
  timeoutMs: number | undefined;
  middleware: Middleware[];
}

/** A decorated method's function -> what its decorators said. */
const specsByMethod = new WeakMap<object, HandlerSpec>();
/** An instance -> its decorated methods, in declaration order. */
const declared = new WeakMap<object, HandlerSpec[]>();
/** An instance -> its organs, once built. */
const built = new WeakMap<object, readonly Organ[]>();

/** The method's spec, made (with its initializer) by the method's first decorator. */
function specFor(decorator: string, method: unknown, given: unknown): HandlerSpec {
  // Checked at run time too: plain JavaScript, or a cast, can put a decorator anywhere.
  const context = given as DecoratorContext | undefined;
  if (typeof context !== "object" || context === null || context.kind !== "method") {
    throw new TypeError(
      `${decorator} can only decorate a method, but it was put on ${placeOf(given)}`,
    );
  }
  const member = memberName(context.name);
  if (context.static) {
    throw new TypeError(
      `${decorator} cannot decorate the static method ${member}: a handler runs on an instance, so make ${member} an instance method`,
    );
  }
  if (typeof method !== "function") {
    throw new TypeError(
      `${decorator} on ${member} expected a method, got ${describeValue(method)}`,
    );
  }
  let spec = specsByMethod.get(method);
  if (spec === undefined) {
    const made: HandlerSpec = {
      member,
      key: context.name,
      isPrivate: context.private,
      get: context.access.get as (instance: unknown) => unknown,
      decorators: [],
      types: undefined,
      retry: undefined,
      timeoutMs: undefined,
      middleware: [],
    };
    specsByMethod.set(method, made);
    context.addInitializer(function (this: unknown) {
      record(this as object, made);
    });
    spec = made;
  }
  return spec;
}

/** Refuses a second `@retry` or `@timeout` on one method: which should win is not clear. */
function once(spec: HandlerSpec, decorator: string, current: unknown): void {
  if (current !== undefined) {
    throw new TypeError(`${spec.member} has ${decorator} twice; keep one`);
  }
}

/** Runs in the constructor of each instance, once per decorated method. */
function record(instance: object, spec: HandlerSpec): void {
  const name = `${classNameOf(instance)}.${spec.member}`;
  if (spec.types === undefined) {
    throw new TypeError(
      `${name} has ${spec.decorators.join(" and ")} but no @on(...): they apply to a handler, and only an @on method is one. Add @on("EVENT_TYPE") to ${name}, next to its other decorators (a decorator between them that replaces the method separates them)`,
    );
  }
  if (instance instanceof Organ) {
    throw new TypeError(
      `${name} has @on, but ${classNameOf(instance)} extends Organ, whose events go to handle(): use either an Organ subclass or a plain class with @on methods`,
    );
  }
  let list = declared.get(instance);
  if (list === undefined) {
    list = [];
    declared.set(instance, list);
  }
  // A subclass's decorators on an overriding method restate them: they replace the base's, in
  // the base's place. Private methods cannot override one another.
  const overridden = spec.isPrivate
    ? -1
    : list.findIndex((other) => !other.isPrivate && other.key === spec.key);
  if (overridden === -1) list.push(spec);
  else list[overridden] = spec;
}

function organFor(instance: object, className: string, spec: HandlerSpec): Organ {
  const name = `${className}.${spec.member}`;
  const method = spec.get(instance);
  if (typeof method !== "function") {
    throw new TypeError(
      `${name} is an @on handler, but on this instance it is ${describeValue(method)}, not a method`,
    );
  }
  const types = spec.types ?? [];
  return organ(name, types, method.bind(instance) as Handler, {
    middleware: spec.middleware,
    ...(spec.retry === undefined ? {} : { retry: spec.retry }),
    ...(spec.timeoutMs === undefined ? {} : { timeoutMs: spec.timeoutMs }),
  });
}

/** Whether a class (or its bases) has an `@on` method: someone passed it instead of an instance. */
function declaresHandlers(target: { readonly prototype?: unknown }): boolean {
  for (
    let proto = target.prototype;
    typeof proto === "object" && proto !== null && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const key of Reflect.ownKeys(proto)) {
      const value = Object.getOwnPropertyDescriptor(proto, key)?.value;
      if (typeof value === "function" && specsByMethod.get(value)?.types !== undefined) return true;
    }
  }
  return false;
}

function classNameOf(instance: object): string {
  const ctor: unknown = (instance as { constructor?: unknown }).constructor;
  return typeof ctor === "function" && ctor.name !== "" ? ctor.name : "(anonymous class)";
}

function memberName(name: string | symbol | undefined): string {
  if (typeof name === "symbol") return `[${String(name)}]`;
  return name === undefined || name === "" ? "(anonymous)" : name;
}

/** `a field (total)`, for a decorator put somewhere other than a method. */
function placeOf(context: unknown): string {
  if (typeof context !== "object" || context === null || !("kind" in context)) {
    return `something that is not a class member (context ${describeValue(context)})`;
  }
  const { kind, name } = context as { kind: unknown; name?: string | symbol };
  const shown = memberName(name);
  return `${kind === "accessor" ? "an" : "a"} ${String(kind)} (${shown})`;
}
