/**
 * The dashboard's writes and its login in a real browser, over a shop running on a private
 * redis-server: a dead letter requeued from the page is handled by the worker; a dashboard with
 * a token refuses anyone without it and lets in whoever logs in with it.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { waitUntil } from "../helpers/wait.js";
import { describeBrowser, launchChromium, openPage, screenshot } from "./browser.js";
import { buildAssets, type RunningDashboard, startDashboard } from "./harness.js";
import { type Shop, startShop } from "./shop.js";

const STREAM = "shop:orders";
const DLQ = `${STREAM}:dlq`;
const TOKEN = "correct-horse-battery-staple";

describeBrowser("Dashboard in a browser (writes and login)", () => {
  const redis = usePrivateRedis();
  let assets: ReturnType<typeof buildAssets>;
  let shop: Shop;
  let writable: RunningDashboard;
  let guarded: RunningDashboard;
  let browser: Browser;

  beforeAll(async () => {
    assets = buildAssets();
    shop = startShop(redis.server.url, STREAM);
    writable = await startDashboard(redis.server.url, {
      streams: [STREAM],
      assetsDir: assets.dir,
      allowWrites: true,
    });
    guarded = await startDashboard(redis.server.url, {
      streams: [STREAM],
      assetsDir: assets.dir,
      token: TOKEN,
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await guarded?.close();
    await writable?.close();
    await shop?.close();
    assets?.dispose();
  });

  it("requeues a selected dead letter, and the worker handles it", async () => {
    shop.gatewayUp = false;
    const declined = await shop.order({
      orderId: "o-declined",
      customer: { id: "c-3", name: "Declined Dan" },
      card: "declined",
    });
    // An entry that is no event at all: the worker dead-letters it as invalid.
    await redis.redis.xadd(STREAM, "*", "event", "{not json");
    await waitUntil("two dead letters", async () => (await redis.redis.xlen(DLQ)) === 2);

    const { page, errors, foreignRequests } = await openPage(browser, writable.url);
    // Its page finds it twice: the handled entry in the stream, and the dead letter with why.
    await page.goto(`${writable.url}/streams/${encodeURIComponent(STREAM)}/events/${declined.id}`);
    await page.waitForSelector("body[data-ready]");
    await page.locator("ul.tree").waitFor();
    // No token, nothing to log out of.
    expect(await page.locator("form.logout").count()).toBe(0);
    await expect(page.locator("dd .badge").allTextContents()).resolves.toEqual([
      "stream",
      "dead letters",
    ]);
    await expect(page.locator("dd .reason").textContent()).resolves.toContain(
      "card gateway declined",
    );

    await page.goto(`${writable.url}/streams/${encodeURIComponent(STREAM)}/dead-letters`);
    await page.waitForSelector("body[data-ready]");
    const row = page.locator("tr[data-entry-id]", { hasText: declined.id });
    await expect(row.locator(".reason").textContent()).resolves.toContain("card gateway declined");
    await expect(page.locator("section.reason-group").count()).resolves.toBe(2);
    const requeue = page.locator("button.primary");
    await expect(requeue.isDisabled()).resolves.toBe(true);
    await row.locator("input[type=checkbox]").check();
    await expect(requeue.textContent()).resolves.toBe("Requeue selected (1)");
    await screenshot(page, "dead-letters");

    shop.gatewayUp = true;
    await requeue.click();
    await page.getByText("Requeued 1.").waitFor();
    await waitUntil("the requeued order's receipt", () => shop.receipts.includes("o-declined"));
    await expect(redis.redis.xlen(DLQ)).resolves.toBe(1);
    // The page reloaded its list: the requeued one is gone, the invalid entry stays.
    await expect(page.locator("tr[data-entry-id]").count()).resolves.toBe(1);
    await expect(row.count()).resolves.toBe(0);

    // Back in the stream, carrying the dead letter's entry id.
    await page.goto(`${writable.url}/streams/${encodeURIComponent(STREAM)}/events/${declined.id}`);
    await page.waitForSelector("body[data-ready]");
    await expect(page.locator("tr", { hasText: "requeued-from" }).count()).resolves.toBe(1);
    expect(errors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });

  it("deletes the selected dead letters once the operator confirms", async () => {
    await waitUntil(
      "the invalid entry's dead letter",
      async () => (await redis.redis.xlen(DLQ)) >= 1,
    );
    const { page, errors } = await openPage(browser, writable.url);
    const asked: string[] = [];
    page.on("dialog", (dialog) => {
      asked.push(dialog.message());
      void dialog.accept();
    });
    await page.goto(`${writable.url}/streams/${encodeURIComponent(STREAM)}/dead-letters`);
    await page.waitForSelector("body[data-ready]");
    const group = page.locator('section.reason-group[data-reason-kind="invalid-event"]');
    await group.locator("thead input[type=checkbox]").check();
    await page.locator("button.danger").click();
    await page.getByText("Deleted 1.").waitFor();
    expect(asked).toEqual(["Delete 1 dead letter(s) for good?"]);
    await expect(redis.redis.xlen(DLQ)).resolves.toBe(0);
    await expect(page.locator(".chips").textContent()).resolves.toBe("No dead letters.");
    await screenshot(page, "dead-letters-deleted");
    expect(errors).toEqual([]);
  });

  it("refuses a request without the token and lets in whoever logs in with it", async () => {
    const api = await fetch(`${guarded.url}/api/overview`);
    expect(api.status).toBe(401);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe("unauthorized");

    const { page } = await openPage(browser, guarded.url);
    await page.goto(`${guarded.url}/streams/${encodeURIComponent(STREAM)}`);
    await page.waitForURL(/\/login/);
    await page.waitForSelector("body[data-ready]");
    expect(await page.locator("main").textContent()).not.toContain(STREAM);

    await page.fill("input[name=token]", "not-the-token");
    await Promise.all([page.waitForURL(/error=1/), page.click("button[type=submit]")]);
    await page.waitForSelector("body[data-ready]");
    await page.getByRole("alert").waitFor();
    await screenshot(page, "login");

    await page.fill("input[name=token]", TOKEN);
    await Promise.all([
      page.waitForURL(`${guarded.url}/streams/${encodeURIComponent(STREAM)}`),
      page.click("button[type=submit]"),
    ]);
    await page.waitForSelector("body[data-ready]");
    await page.locator("section.group").first().waitFor();
    await expect(page.locator("section.group h2").first().textContent()).resolves.toBe(
      "Group shop",
    );
    // The cookie is HttpOnly: the page cannot read it, yet its API calls carry it.
    expect(
      await page.evaluate(
        () => (globalThis as unknown as { document: { cookie: string } }).document.cookie,
      ),
    ).toBe("");
    const session = await page.evaluate(async () => (await fetch("/api/session")).status);
    expect(session).toBe(200);

    // Logging out clears the cookie: the next page asks for the token again.
    await Promise.all([page.waitForURL(/\/login$/), page.click("form.logout button")]);
    await page.goto(`${guarded.url}/streams/${encodeURIComponent(STREAM)}`);
    await page.waitForURL(/\/login\?next=/);
  });

  // Last in this file: it leaves 127.0.0.1 throttled on the guarded dashboard for a minute.
  it("tells a browser whose address sent 10 wrong tokens to wait, even with the right one", async () => {
    for (let i = 0; i < 10; i++) {
      const wrong = await fetch(`${guarded.url}/login`, {
        method: "POST",
        body: new URLSearchParams({ token: `guess-${i}` }),
        redirect: "manual",
      });
      expect(wrong.headers.get("location")).toMatch(/^\/login\?error=1/);
    }
    const { page } = await openPage(browser, guarded.url);
    await page.goto(`${guarded.url}/login`);
    await page.waitForSelector("body[data-ready]");
    await page.fill("input[name=token]", TOKEN);
    await Promise.all([page.waitForURL(/error=throttled/), page.click("button[type=submit]")]);
    await page.waitForSelector("body[data-ready]");
    await expect(page.getByRole("alert").textContent()).resolves.toBe(
      "Too many wrong tokens from this address: wait a minute before trying again.",
    );
  });
});
