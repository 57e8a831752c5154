/**
 * The dashboard in a real browser, read-only, over a shop running on a private redis-server:
 * live rates on the overview, a payload search, an event's page and its causation tree, and a
 * payload holding markup shown as text.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { waitUntil } from "../helpers/wait.js";
import {
  describeBrowser,
  launchChromium,
  openPage,
  screenshot,
  type WatchedPage,
} from "./browser.js";
import { buildAssets, type RunningDashboard, startDashboard } from "./harness.js";
import { GROUP, type Shop, startShop } from "./shop.js";

const STREAM = "shop:orders";
/** A stream nobody works on any more: its only consumer read entries and went away. */
const REFUNDS = "shop:refunds";
/** A stream of audit records written straight to Redis, 55 of them, for paging and filters. */
const AUDIT = "shop:audit";

describeBrowser("Dashboard in a browser (read-only)", () => {
  const redis = usePrivateRedis();
  let assets: ReturnType<typeof buildAssets>;
  let shop: Shop;
  let dashboard: RunningDashboard;
  let browser: Browser;
  const pages: WatchedPage[] = [];

  beforeAll(async () => {
    assets = buildAssets();
    shop = startShop(redis.server.url, STREAM);
    dashboard = await startDashboard(redis.server.url, {
      streams: [STREAM, REFUNDS, AUDIT],
      assetsDir: assets.dir,
      endpoints: { metrics: "http://127.0.0.1:9464/metrics" },
      staleMs: 2_000,
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    await shop?.close();
    assets?.dispose();
  });

  /**
   * Opens a page of the dashboard, checking that it is served under a Content-Security-Policy
   * that refuses inline script: every page here runs under it, so a console without errors
   * means the front end needs no inline script or handler.
   */
  async function open(path: string): Promise<WatchedPage> {
    const watched = await openPage(browser, dashboard.url);
    pages.push(watched);
    const response = await watched.page.goto(`${dashboard.url}${path}`);
    const csp = response?.headers()["content-security-policy"] ?? "";
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toContain("unsafe-inline");
    await watched.page.waitForSelector("body[data-ready]");
    return watched;
  }

  /** Nothing failed in any page so far, and nothing was fetched from outside the dashboard. */
  function expectCleanPages(): void {
    for (const { errors, foreignRequests } of pages) {
      expect(errors).toEqual([]);
      expect(foreignRequests).toEqual([]);
    }
  }

  it("shows each stream's live rates moving while the worker runs", async () => {
    const stopTraffic = shop.traffic(5);
    try {
      const { page } = await open("/");
      const row = page.locator(`tr[data-stream="${STREAM}"]`);
      await row.waitFor();
      const cells = row.locator("td");
      // Columns: stream, length, in/s, handled/s, chart, groups, pending, lag, dead letters.
      await waitUntil("a live sample with events coming in and handled", async () => {
        const inRate = Number((await cells.nth(2).textContent())?.replaceAll(",", ""));
        const outRate = Number((await cells.nth(3).textContent())?.replaceAll(",", ""));
        return inRate > 0 && outRate > 0;
      });
      const firstLength = await cells.nth(1).textContent();
      const firstStamp = await page.locator(".live").textContent();
      await waitUntil("the next live sample", async () => {
        const stamp = await page.locator(".live").textContent();
        return stamp !== firstStamp && (await cells.nth(1).textContent()) !== firstLength;
      });
      expect(await cells.nth(5).textContent()).toContain(GROUP);
      const points = await row.locator("polyline.in").getAttribute("points");
      expect(points?.split(" ").length ?? 0).toBeGreaterThanOrEqual(2);
      await expect(page.locator("header a.ext").getAttribute("href")).resolves.toBe(
        "http://127.0.0.1:9464/metrics",
      );
      await screenshot(page, "overview");
    } finally {
      await stopTraffic();
    }
    expectCleanPages();
  });

  it("flags a consumer that holds pending entries and has not been seen for long", async () => {
    const raw = redis.redis;
    await raw.xgroup("CREATE", REFUNDS, GROUP, "$", "MKSTREAM");
    const refunds: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const refund = new Event("REFUND_REQUESTED", { orderId: `o-${i}`, amount: 10 * i });
      await raw.xadd(REFUNDS, "*", "event", JSON.stringify(refund.toJSON()));
      refunds.push(refund.id);
    }
    await raw.xreadgroup("GROUP", GROUP, "worker-gone", "COUNT", 3, "STREAMS", REFUNDS, ">");
    const { page } = await open(`/streams/${encodeURIComponent(REFUNDS)}`);
    const consumer = page.locator("table.consumers tbody tr", { hasText: "worker-gone" });
    await consumer.waitFor();
    await expect(consumer.locator("td").nth(1).textContent()).resolves.toBe("3");
    // Redrawn every 2 s: the flag comes once it is idle past the dashboard's staleMs (2 s).
    await consumer.locator(".badge.bad").waitFor({ timeout: 10_000 });
    await expect(page.locator(".flag-note").textContent()).resolves.toContain("1 consumer holds");
    // The oldest pending entries, oldest first, each linked to its event.
    const oldest = page.locator("table.pending tbody tr");
    await expect(oldest.locator("td:nth-child(2) a").allTextContents()).resolves.toEqual(refunds);
    await expect(oldest.first().locator("td").nth(2).textContent()).resolves.toBe("worker-gone");
    await screenshot(page, "stream");
    expectCleanPages();
  });

  it("browses events newest first a page at a time, filters them by type and time, and searches past a small window when asked", async () => {
    const written: { id: string; type: string }[] = [];
    for (let i = 1; i <= 55; i++) {
      const type = i % 5 === 0 ? "AUDIT_REFUSED" : "AUDIT_OK";
      const record = new Event(type, { n: i });
      await redis.redis.xadd(AUDIT, "*", "event", JSON.stringify(record.toJSON()));
      written.push({ id: record.id, type });
    }
    const newestFirst = written.reverse();
    const ids = (page: WatchedPage["page"]) =>
      page.locator(".results tbody tr td:nth-child(3)").allTextContents();
    const { page } = await open(`/streams/${encodeURIComponent(AUDIT)}/events`);
    await page.locator(".results tbody tr").first().waitFor();
    await expect(ids(page)).resolves.toEqual(newestFirst.slice(0, 50).map((e) => e.id));
    await Promise.all([page.waitForURL(/cursor=/), page.click("a:text('older »')")]);
    await page.waitForSelector("body[data-ready]");
    await page.locator(".results tbody tr").first().waitFor();
    await expect(ids(page)).resolves.toEqual(newestFirst.slice(50).map((e) => e.id));
    await expect(page.locator("a:text('older »')").count()).resolves.toBe(0);

    await page.goto(`${dashboard.url}/streams/${encodeURIComponent(AUDIT)}/events`);
    await page.waitForSelector("body[data-ready]");
    await page.fill("input[name=type]", "AUDIT_REFUSED");
    await Promise.all([page.waitForURL(/type=AUDIT_REFUSED/), page.click("button[type=submit]")]);
    await page.waitForSelector("body[data-ready]");
    await page.locator(".results tbody tr").first().waitFor();
    const refused = newestFirst.filter((e) => e.type === "AUDIT_REFUSED").map((e) => e.id);
    await expect(ids(page)).resolves.toEqual(refused);
    await expect(page.locator("input[name=type]").inputValue()).resolves.toBe("AUDIT_REFUSED");

    // Since a minute from now (the browser's local time, as the form takes it): nothing yet.
    const later = await page.evaluate(() => {
      const at = new Date(Date.now() + 60_000);
      const pad = (n: number) => String(n).padStart(2, "0");
      return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}:00`;
    });
    await page.fill("input[name=type]", "");
    await page.fill("input[name=since]", later);
    await Promise.all([page.waitForURL(/since=/), page.click("button[type=submit]")]);
    await page.waitForSelector("body[data-ready]");
    await page.locator(".results td.empty").waitFor();
    await expect(page.locator(".results td.empty").textContent()).resolves.toBe("no events");

    // A search over a small window says it stopped short, and goes on from there when asked.
    const numbers = async () =>
      (await page.locator(".results td.payload").allTextContents()).map(
        (text) => (JSON.parse(text) as { n: number }).n,
      );
    await page.goto(
      `${dashboard.url}/streams/${encodeURIComponent(AUDIT)}/events?mode=text&value=5&window=20`,
    );
    await page.locator(".search-stats").waitFor();
    await expect(page.locator(".search-stats").textContent()).resolves.toMatch(
      /^7 found; searched 20 entries \(window 20\) in [\d,]+ ms; did not reach the start/,
    );
    await expect(numbers()).resolves.toEqual([55, 54, 53, 52, 51, 50, 45]);
    await Promise.all([page.waitForURL(/cursor=/), page.click("a:text('search further »')")]);
    await page.locator(".search-stats").waitFor();
    await expect(numbers()).resolves.toEqual([35, 25]);
    await screenshot(page, "search-further");
    expectCleanPages();
  });

  it("finds an event by a payload value, says how far it searched, and opens it", async () => {
    const placed = await shop.order({
      orderId: "o-needle",
      customer: { id: "c-needle-42", name: "Ada Lovelace" },
    });
    await waitUntil("the order's receipt", () => shop.receipts.includes("o-needle"));
    const { page } = await open(`/streams/${encodeURIComponent(STREAM)}/events`);
    await page.selectOption("select[name=mode]", "equals");
    await page.fill("input[name=path]", "customer.id");
    await page.fill("input[name=value]", "c-needle-42");
    await Promise.all([page.waitForURL(/value=c-needle-42/), page.click("button[type=submit]")]);
    await page.waitForSelector("body[data-ready]");
    await page.locator(".search-stats").waitFor();
    const stats = await page.locator(".search-stats").textContent();
    expect(stats).toMatch(
      /2 found; searched [\d,]+ entries \(window [\d,]+\) in [\d,]+ ms; reached the start/,
    );
    // ORDER_PAID carries the customer on: both events match, newest first.
    const types = await page.locator(".results tbody tr td:nth-child(2)").allTextContents();
    expect(types).toEqual(["ORDER_PAID", "ORDER_PLACED"]);
    await screenshot(page, "search");

    // ORDER_PAID, emitted while handling the order: its headers name the order as its cause.
    await Promise.all([
      page.waitForURL(/\/events\/[0-9a-f-]{36}$/),
      page.locator(".results tbody tr").first().locator("a").click(),
    ]);
    await page.waitForSelector("body[data-ready]");
    await expect(page.locator("main h2").first().textContent()).resolves.toBe("ORDER_PAID");
    await expect(page.locator("pre.wire").textContent()).resolves.toContain('"o-needle"');
    await expect(page.locator("pre.json").textContent()).resolves.toContain('"Ada Lovelace"');
    const cause = page.locator("tr", { hasText: "causation-id" }).locator("a");
    await expect(cause.textContent()).resolves.toBe(placed.id);
    await Promise.all([page.waitForURL(new RegExp(`/events/${placed.id}$`)), cause.click()]);
    await page.waitForSelector("body[data-ready]");
    await expect(page.locator("main h2").first().textContent()).resolves.toBe("ORDER_PLACED");
    expectCleanPages();
  });

  it("follows an event's causation tree from the first event to the last and back", async () => {
    const placed = await shop.order({
      orderId: "o-tree",
      customer: { id: "c-7", name: "Grace Hopper" },
    });
    await waitUntil("the order's receipt", () => shop.receipts.includes("o-tree"));
    const { page } = await open(`/streams/${encodeURIComponent(STREAM)}/events/${placed.id}`);
    const tree = page.locator("ul.tree");
    await tree.waitFor();
    // ORDER_PLACED → ORDER_PAID → RECEIPT_SENT, each nested in its cause.
    const chain = await tree.locator(".node").allTextContents();
    expect(chain.map((text) => text.split(" ")[0])).toEqual([
      "ORDER_PLACED",
      "ORDER_PAID",
      "RECEIPT_SENT",
    ]);
    await expect(page.locator(".caused-by").textContent()).resolves.toContain("first of its chain");
    await expect(tree.locator(".node.current").textContent()).resolves.toContain(placed.id);
    await screenshot(page, "event");

    await Promise.all([
      page.waitForURL(/\/events\//),
      tree.locator("a", { hasText: "RECEIPT_SENT" }).click(),
    ]);
    await page.waitForSelector("body[data-ready]");
    await page.locator(".caused-by a").waitFor();
    await expect(page.locator(".caused-by").textContent()).resolves.toBe("Caused by ORDER_PAID.");
    await expect(page.locator("ul.tree .node.current").textContent()).resolves.toContain(
      "RECEIPT_SENT",
    );
    await Promise.all([page.waitForURL(/\/events\//), page.locator(".caused-by a").click()]);
    await page.waitForSelector("body[data-ready]");
    await expect(page.locator("main section h2").first().textContent()).resolves.toBe("ORDER_PAID");
    expectCleanPages();
  });

  it("shows a payload holding <script> and markup as text, running none of it", async () => {
    const attack =
      '<script>window.__pwned = "script"</script><img src=x onerror="window.__pwned = \'img\'">';
    const placed = await shop.order({
      orderId: "o-markup",
      customer: { id: "c-<b>bold</b>", name: "<i>Mallory</i>" },
      note: attack,
    });
    await waitUntil("the order's receipt", () => shop.receipts.includes("o-markup"));
    for (const path of [
      `/streams/${encodeURIComponent(STREAM)}/events`,
      `/streams/${encodeURIComponent(STREAM)}/events/${placed.id}`,
    ]) {
      const { page } = await open(path);
      await page.getByText("o-markup").first().waitFor();
      await page.waitForTimeout(300); // an image's error handler would have run by now
      expect(
        await page.evaluate(() => (globalThis as { __pwned?: string }).__pwned),
      ).toBeUndefined();
      expect(await page.locator("main script, main img, main b, main i").count()).toBe(0);
      // JSON escapes the quotes; the markup itself is there, as characters.
      await expect(page.getByText("<script>window.__pwned = ").first().isVisible()).resolves.toBe(
        true,
      );
      await expect(page.getByText("<i>Mallory</i>").first().isVisible()).resolves.toBe(true);
      if (path.endsWith(placed.id)) await screenshot(page, "markup-as-text");
    }
    expectCleanPages();
  });
});
