/**
 * Organs typed by a catalog: `class TakePayment extends catalog.Organ("ORDER_PLACED")` gets its
 * `listensTo` from the call, and its `handle` must take those types' events and return catalog
 * events only.
 */
import type { HandlerContext } from "../handler.js";
import { Organ } from "../organ.js";
import type { CatalogEvent, CatalogResult, EventDefinitions, TypeOf } from "./types.js";

/** The base of every organ class made by `catalog.Organ(...)`. */
export abstract class CatalogOrgan<D extends EventDefinitions, K extends TypeOf<D>> extends Organ<
  CatalogEvent<D, K>
> {
  readonly listensTo: readonly K[];

  constructor(listensTo: readonly K[], name?: string) {
    super(name);
    this.listensTo = listensTo;
  }

  abstract override handle(
    event: CatalogEvent<D, K>,
    ctx?: HandlerContext,
  ): CatalogResult<D> | Promise<CatalogResult<D>>;
}

/** What `catalog.Organ(...types)` returns: a class to extend, taking an optional name. */
export type CatalogOrganClass<D extends EventDefinitions, K extends TypeOf<D>> = abstract new (
  name?: string,
) => CatalogOrgan<D, K>;
