/**
 * Loads the organs a worker runs from a user's module.
 *
 * What a module may export, checked in this order:
 * 1. a default export: an array of organs (instances, or Organ subclasses to construct with no
 *    arguments), or a single one. The array's order is the routing order.
 * 2. otherwise, every named export that is an organ instance or a concrete Organ subclass.
 *    Module namespaces list names alphabetically, so that is the routing order; export a default
 *    array when the order of two organs on one event type matters.
 *
 * Organs are recognised by shape (`listensTo` and `handle`), not by `instanceof Organ`, so a
 * module that imports another copy of necrostack still works.
 *
 * A module may also export a `close()` function (sync or async): the worker calls it after it
 * has stopped, to close what the organs opened (database pools, clients), so the process can
 * exit.
 */
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describeValue, messageOf, NecroStackError } from "../core/errors.js";
import type { Organ } from "../core/organ.js";

/** The organs module could not be loaded or exports no usable organ. */
export class OrgansModuleError extends NecroStackError {
  /** The module path as given. */
  readonly modulePath: string;

  constructor(modulePath: string, message: string, options?: ErrorOptions) {
    super(`Organs module ${modulePath}: ${message}`, "ERR_ORGANS_MODULE", options);
    this.modulePath = modulePath;
  }
}

type OrganClass = new () => Organ;

/** What an organs module provides. */
export interface OrgansModule {
  /** The organs, in routing order. */
  readonly organs: Organ[];
  /** The module's `close` export, if it has one. */
  readonly close: (() => unknown) | undefined;
}

/** Imports `modulePath` (relative to `cwd`) and returns its organs and its `close` hook. */
export async function loadOrgansModule(
  modulePath: string,
  cwd = process.cwd(),
): Promise<OrgansModule> {
  const namespace = await importModule(modulePath, cwd);
  const close = namespace.close;
  if (close !== undefined && typeof close !== "function") {
    throw new OrgansModuleError(
      modulePath,
      `export close must be a function (called when the worker stops), got ${describeValue(close)}`,
    );
  }
  return { organs: organsOf(namespace, modulePath), close: close as (() => unknown) | undefined };
}

async function importModule(modulePath: string, cwd: string): Promise<Record<string, unknown>> {
  const file = isAbsolute(modulePath) ? modulePath : resolve(cwd, modulePath);
  if (!existsSync(file)) {
    throw new OrgansModuleError(modulePath, `no such file (looked for ${file})`);
  }
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new OrgansModuleError(modulePath, `failed to import: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

function organsOf(namespace: Record<string, unknown>, modulePath: string): Organ[] {
  const fromDefault = namespace.default;
  if (fromDefault !== undefined) {
    const items = Array.isArray(fromDefault) ? (fromDefault as unknown[]) : [fromDefault];
    if (items.length === 0) {
      throw new OrgansModuleError(modulePath, "the default export is an empty array");
    }
    return items.map((item, i) =>
      toOrgan(item, modulePath, Array.isArray(fromDefault) ? `default[${i}]` : "default"),
    );
  }
  const organs: Organ[] = [];
  for (const [name, value] of Object.entries(namespace)) {
    if (isOrganInstance(value) || isOrganClass(value))
      organs.push(toOrgan(value, modulePath, name));
  }
  if (organs.length === 0) {
    const names = Object.keys(namespace);
    throw new OrgansModuleError(
      modulePath,
      `exports no organ (exports: ${names.length === 0 ? "none" : names.join(", ")}). Export a default array of organs, or Organ subclasses or instances by name`,
    );
  }
  return organs;
}

function toOrgan(value: unknown, modulePath: string, exportName: string): Organ {
  if (isOrganInstance(value)) return value;
  if (isOrganClass(value)) {
    try {
      return new value();
    } catch (error) {
      throw new OrgansModuleError(
        modulePath,
        `export ${exportName} (class ${value.name}) could not be constructed with no arguments: ${messageOf(error)}`,
        { cause: error },
      );
    }
  }
  throw new OrgansModuleError(
    modulePath,
    `export ${exportName} is not an organ (an object with listensTo and handle, or an Organ subclass), got ${describeValue(value)}`,
  );
}

function isOrganInstance(value: unknown): value is Organ {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { listensTo?: unknown; handle?: unknown };
  return Array.isArray(candidate.listensTo) && typeof candidate.handle === "function";
}

/** A class whose prototype has a `handle` method; abstract bases (no `handle`) do not count. */
function isOrganClass(value: unknown): value is OrganClass {
  if (typeof value !== "function") return false;
  const proto = (value as { prototype?: unknown }).prototype;
  if (typeof proto !== "object" || proto === null) return false;
  return typeof (proto as { handle?: unknown }).handle === "function";
}
