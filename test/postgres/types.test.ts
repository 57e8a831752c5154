import type pg from "pg";
import { describe, expectTypeOf, it } from "vitest";
import type { Backend } from "../../src/index.js";
import type {
  PgPoolLike,
  PgQueryable,
  PostgresBackend,
  PostgresBackendOptions,
  PostgresEnqueueOptions,
} from "../../src/postgres.js";

describe("necrostack/postgres types", () => {
  it("is a Backend, its enqueue taking the outbox options as an optional second argument", () => {
    expectTypeOf<PostgresBackend>().toMatchTypeOf<Backend>();
    expectTypeOf<PostgresBackend["enqueue"]>()
      .parameter(1)
      .toEqualTypeOf<PostgresEnqueueOptions | undefined>();
  });

  it("accepts node-postgres objects without depending on @types/pg", () => {
    expectTypeOf<pg.Pool>().toMatchTypeOf<PgPoolLike>();
    expectTypeOf<pg.PoolClient>().toMatchTypeOf<PgQueryable>();
    expectTypeOf<pg.Client>().toMatchTypeOf<PgQueryable>();
    expectTypeOf<PostgresBackendOptions["pool"]>().toEqualTypeOf<PgPoolLike | undefined>();
  });

  it("leaks no any", () => {
    expectTypeOf<PostgresEnqueueOptions["client"]>().not.toBeAny();
    expectTypeOf<ReturnType<PostgresBackend["pull"]>>().toEqualTypeOf<
      Promise<import("../../src/index.js").Event | null>
    >();
  });
});
