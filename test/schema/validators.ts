/**
 * The same schemas written with each Standard Schema validator the suite runs against (zod 4,
 * valibot, arktype), so one suite checks the catalog with all three.
 */
import { type } from "arktype";
import * as v from "valibot";
import { z } from "zod";
import type { StandardSchemaV1 } from "../../src/index.js";

export interface Order {
  orderId: string;
  total: number;
  items: { sku: string; qty: number }[];
}

export interface Validator {
  readonly name: string;
  /** `{ orderId: non-empty string, total: number, items: { sku: string, qty: positive integer }[] }` */
  readonly order: StandardSchemaV1<Order>;
  /** `order`, with an asynchronous check (the library's own async API where it has one). */
  readonly asyncOrder: StandardSchemaV1<Order>;
  /** `{ orderId: string, amount: number, currency: string, default "EUR" }`: a schema with a default. */
  readonly paid: StandardSchemaV1<
    { orderId: string; amount: number; currency?: string | undefined },
    { orderId: string; amount: number; currency: string }
  >;
  /** `{ orderId: string, amountCents: integer, currency: string }` */
  readonly paidCents: StandardSchemaV1<{ orderId: string; amountCents: number; currency: string }>;
  /** `{ note: string }` */
  readonly note: StandardSchemaV1<{ note: string }>;
}

/** Every schema made asynchronous, whatever the library: its result comes in a promise. */
export function later<I, O>(schema: StandardSchemaV1<I, O>): StandardSchemaV1<I, O> {
  return {
    "~standard": {
      version: 1,
      vendor: `${schema["~standard"].vendor}-async`,
      validate: async (value) => {
        await new Promise((resolve) => setImmediate(resolve));
        return schema["~standard"].validate(value);
      },
    },
  };
}

const zOrder = z.object({
  orderId: z.string().min(1),
  total: z.number(),
  items: z.array(z.object({ sku: z.string(), qty: z.number().int().positive() })),
});

const vOrderEntries = {
  orderId: v.pipe(v.string(), v.minLength(1)),
  total: v.number(),
  items: v.array(
    v.object({ sku: v.string(), qty: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
  ),
};

const aOrder = type({
  orderId: "string > 0",
  total: "number",
  items: type({ sku: "string", qty: "number.integer > 0" }).array(),
});

export const VALIDATORS: readonly Validator[] = [
  {
    name: "zod",
    order: zOrder,
    asyncOrder: zOrder.refine(async (order) => {
      await new Promise((resolve) => setImmediate(resolve));
      return order.total >= 0;
    }, "total must not be negative"),
    paid: z.object({
      orderId: z.string(),
      amount: z.number(),
      currency: z.string().default("EUR"),
    }),
    paidCents: z.object({
      orderId: z.string(),
      amountCents: z.number().int(),
      currency: z.string(),
    }),
    note: z.object({ note: z.string() }),
  },
  {
    name: "valibot",
    order: v.object(vOrderEntries),
    asyncOrder: v.pipeAsync(
      v.objectAsync(vOrderEntries),
      v.checkAsync(async (order) => {
        await new Promise((resolve) => setImmediate(resolve));
        return order.total >= 0;
      }, "total must not be negative"),
    ),
    paid: v.object({
      orderId: v.string(),
      amount: v.number(),
      currency: v.optional(v.string(), "EUR"),
    }),
    paidCents: v.object({
      orderId: v.string(),
      amountCents: v.pipe(v.number(), v.integer()),
      currency: v.string(),
    }),
    note: v.object({ note: v.string() }),
  },
  {
    name: "arktype",
    order: aOrder,
    // arktype validates synchronously only: made asynchronous from outside.
    asyncOrder: later(aOrder),
    paid: type({ orderId: "string", amount: "number", currency: "string = 'EUR'" }),
    paidCents: type({ orderId: "string", amountCents: "number.integer", currency: "string" }),
    note: type({ note: "string" }),
  },
];
