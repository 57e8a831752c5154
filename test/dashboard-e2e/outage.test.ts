/**
 * The overview when things break under it, in a real browser: Redis killed (the page says the
 * sampling fails, then resumes once Redis is back) and the dashboard's own server restarted on
 * the same port (the live feed reconnects by itself).
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeBrowser, launchChromium, openPage, screenshot } from "./browser.js";
import { buildAssets, type RunningDashboard, startDashboard } from "./harness.js";
import { type Shop, startShop } from "./shop.js";

const STREAM = "shop:orders";

describeBrowser("Dashboard in a browser when Redis or the dashboard goes away", () => {
  const redis = usePrivateRedis();
  let assets: ReturnType<typeof buildAssets>;
  let shop: Shop;
  let dashboard: RunningDashboard;
  let browser: Browser;

  beforeAll(async () => {
    assets = buildAssets();
    shop = startShop(redis.server.url, STREAM);
    dashboard = await startDashboard(redis.server.url, {
      streams: [STREAM],
      assetsDir: assets.dir,
      requestTimeoutMs: 2_000,
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    await shop?.close();
    assets?.dispose();
  });

  /** The overview's live status line, once it reads `pattern`. */
  async function liveSays(page: import("playwright-core").Page, pattern: RegExp): Promise<string> {
    const live = page.locator(".live");
    await expect
      .poll(async () => (await live.textContent()) ?? "", { timeout: 20_000, interval: 200 })
      .toMatch(pattern);
    return (await live.textContent()) ?? "";
  }

  it("says the sampling fails and the backend is unreachable while Redis is down, and recovers once it is back", async () => {
    const { page } = await openPage(browser, dashboard.url);
    await page.goto(dashboard.url);
    await page.waitForSelector("body[data-ready]");
    await liveSays(page, /^live · \d\d:\d\d:\d\d UTC$/);

    await redis.server.kill();
    const failing = await liveSays(page, /^sampling failed: /);
    expect(failing).toContain("127.0.0.1");
    // The overview is read again every 5 s: the health panel turns with it.
    const status = page.locator(".health .status");
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toBe("unreachable");
    await expect(page.locator(".health .error").textContent()).resolves.toContain(
      "backend-unavailable, HTTP 503",
    );
    await screenshot(page, "redis-down");

    await redis.server.start();
    await liveSays(page, /^live · /);
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toBe("healthy");
  });

  it("reconnects its live feed by itself when the dashboard's server restarts", async () => {
    const { page } = await openPage(browser, dashboard.url);
    await page.goto(dashboard.url);
    await page.waitForSelector("body[data-ready]");
    await liveSays(page, /^live · /);

    const port = Number(new URL(dashboard.url).port);
    await dashboard.close();
    await liveSays(page, /stopped; reconnecting|unavailable|closed/);
    dashboard = await startDashboard(
      redis.server.url,
      { streams: [STREAM], assetsDir: assets.dir },
      port,
    );
    await liveSays(page, /^live · /);
  });
});
