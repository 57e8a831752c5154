/**
 * The dashboard's pages on PostgreSQL in a real browser: a private cluster, workers in process,
 * the real server over a PostgresInspector. The pages speak of leases where Redis has consumer
 * groups, and a dead letter requeued from the page is handled by the worker.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PostgresInspector } from "../../src/backends/postgres/inspector.js";
import { Event, type Organ, organ, Spine } from "../../src/index.js";
import { PostgresBackend } from "../../src/postgres.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { waitUntil } from "../helpers/wait.js";
import { launchChromium, needingChromium, openPage, screenshot } from "./browser.js";
import { buildAssets, type RunningDashboard, serveDashboard } from "./harness.js";

const ORDERS = "orders";
const HELD = "held";

needingChromium(describePostgres)("Dashboard in a browser on PostgreSQL", () => {
  const pg = usePrivatePostgres();
  let assets: ReturnType<typeof buildAssets>;
  let dashboard: RunningDashboard;
  let browser: Browser;
  const gatewayDown = { now: true };
  const paid: number[] = [];
  let releaseHeld = (): void => {};
  const stops: (() => Promise<void>)[] = [];

  function startWorker(stream: string, organs: readonly Organ[]): void {
    const backend = new PostgresBackend({
      url: pg.server.url,
      stream,
      maxRetries: 1,
      leaseMs: 60_000,
      pollIntervalMs: 20,
      retentionMs: 3_600_000,
      logger: false,
    });
    const spine = new Spine({
      organs,
      backend,
      logger: false,
      handlerFailureMode: "nack",
      maxSteps: Number.POSITIVE_INFINITY,
      pollTimeoutMs: 50,
    });
    const run = spine.run();
    stops.push(async () => {
      spine.stop();
      await run;
      await backend.close();
    });
  }

  beforeAll(async () => {
    assets = buildAssets();
    startWorker(ORDERS, [
      organ("Payments", ["ORDER_PLACED"], (event: Event<"ORDER_PLACED", { order: number }>) => {
        if (event.payload.order === 3 && gatewayDown.now) throw new Error("card gateway down");
        paid.push(event.payload.order);
      }),
    ]);
    const gate = new Promise<void>((resolve) => {
      releaseHeld = resolve;
    });
    startWorker(HELD, [organ("Slow", ["SLOW"], () => gate)]);
    dashboard = await serveDashboard({
      inspector: new PostgresInspector({ url: pg.server.url }),
      assetsDir: assets.dir,
      allowWrites: true,
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    releaseHeld();
    await browser?.close();
    await dashboard?.close();
    for (const stop of stops) await stop();
    assets?.dispose();
  });

  it("shows the workers holding leases on a stream's page", async () => {
    const producer = new PostgresBackend({ url: pg.server.url, stream: HELD, logger: false });
    for (let i = 0; i < 4; i++) await producer.enqueue(new Event("SLOW", { i }));
    await producer.close();
    await waitUntil("rows leased", async () => {
      const leased = await pg.pool.query(
        `SELECT count(*)::int AS n FROM necrostack.${HELD} WHERE lease_owner IS NOT NULL`,
      );
      return leased.rows[0].n >= 1;
    });
    const { page, errors } = await openPage(browser, dashboard.url);
    await page.goto(`${dashboard.url}/streams/${HELD}`);
    await page.waitForSelector("body[data-ready]");
    const group = page.locator("section.group");
    await group.waitFor();
    await expect(group.locator("h2").textContent()).resolves.toBe("Leases");
    await expect(group.locator("h3").first().textContent()).resolves.toBe("Workers holding leases");
    const leased = await group
      .locator("table.consumers tbody tr td:nth-child(2)")
      .allTextContents();
    expect(leased.map(Number).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    await screenshot(page, "postgres-leases");
    expect(errors).toEqual([]);
  });

  it("requeues a dead letter from the page, and the worker handles it", async () => {
    const producer = new PostgresBackend({ url: pg.server.url, stream: ORDERS, logger: false });
    for (let order = 1; order <= 4; order++) {
      await producer.enqueue(new Event("ORDER_PLACED", { order }));
    }
    await producer.close();
    await waitUntil("three paid and one dead letter", async () => {
      const dead = await pg.pool.query(`SELECT count(*)::int AS n FROM necrostack.${ORDERS}_dead`);
      return paid.length === 3 && dead.rows[0].n === 1;
    });
    const { page, errors } = await openPage(browser, dashboard.url);
    await page.goto(`${dashboard.url}/streams/${ORDERS}/dead-letters`);
    await page.waitForSelector("body[data-ready]");
    const row = page.locator("tr[data-entry-id]");
    await expect(row.locator(".reason").textContent()).resolves.toContain("card gateway down");
    gatewayDown.now = false;
    await row.locator("input[type=checkbox]").check();
    await page.locator("button.primary").click();
    await page.getByText("Requeued 1.").waitFor();
    await waitUntil("the requeued order paid", () => paid.includes(3));
    await expect(page.locator(".chips").textContent()).resolves.toBe("No dead letters.");

    // Handled events stay browsable through the archive (retentionMs), newest first.
    await page.goto(`${dashboard.url}/streams/${ORDERS}/events`);
    await page.waitForSelector("body[data-ready]");
    await page.locator(".results tbody tr").first().waitFor();
    const payloads = await page.locator(".results td.payload").allTextContents();
    expect(payloads[0]).toBe('{"order":3}');
    await screenshot(page, "postgres-events");
    expect(errors).toEqual([]);
  });
});
