/**
 * Draws the README's and docs' dashboard pictures (docs/images/dashboard-*.png) from a real run:
 *
 *   npx tsx test/dashboard-e2e/render-docs-images.ts
 *
 * The browser tests' world for longer than a test would run: a private redis-server, the shop's
 * worker handling a steady flow of orders with a burst in the middle, a few orders failing into
 * the dead letters while the card gateway is down, a consumer gone with pending entries, and the
 * real dashboard in headless Chromium. Needs redis-server and /usr/bin/chromium.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Event } from "../../src/index.js";
import { rawClient } from "../helpers/private-redis.js";
import { RedisServer } from "../helpers/redis-server.js";
import { launchChromium } from "./browser.js";
import { buildAssets, startDashboard } from "./harness.js";
import { startShop } from "./shop.js";

const OUT = fileURLToPath(new URL("../../docs/images/", import.meta.url));
const ORDERS = "orders";
const REFUNDS = "refunds";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const server = await RedisServer.start();
const assets = buildAssets();
const shop = startShop(server.url, ORDERS);
const dashboard = await startDashboard(server.url, {
  streams: [ORDERS, REFUNDS],
  assetsDir: assets.dir,
  allowWrites: true,
  staleMs: 30_000,
  endpoints: { metrics: "http://127.0.0.1:9464/metrics", health: "http://127.0.0.1:9464/healthz" },
});
const browser = await launchChromium();
try {
  const raw = rawClient(server.url);
  await raw.xgroup("CREATE", REFUNDS, "billing", "$", "MKSTREAM");
  for (let i = 1; i <= 4; i++) {
    const refund = new Event("REFUND_REQUESTED", { orderId: `o-${i}`, amount: 12.5 * i });
    await raw.xadd(REFUNDS, "*", "event", JSON.stringify(refund.toJSON()));
  }
  await raw.xreadgroup("GROUP", "billing", "billing-7f9c", "COUNT", 4, "STREAMS", REFUNDS, ">");

  // The sampler starts with the first request; its ring fills from then on.
  await fetch(`${dashboard.url}/api/overview`);
  const steady = shop.traffic(3);
  await sleep(20_000);
  const burst = shop.traffic(12);
  await sleep(12_000);
  await burst();
  shop.gatewayUp = false;
  for (let i = 1; i <= 3; i++) {
    await shop.order({
      orderId: `o-9${i}`,
      customer: { id: `c-${40 + i}`, name: "Card declined" },
      card: "declined",
    });
  }
  await raw.xadd(ORDERS, "*", "event", '{"id": "not-a-uuid", "event_type": "ORDER_PLACED"');
  const placed = await shop.order({
    orderId: "o-1042",
    customer: { id: "c-7", name: "Ada Lovelace" },
    note: "leave at the door <b>please</b>",
  });
  await sleep(20_000);
  raw.disconnect();

  const page = await (
    await browser.newContext({ viewport: { width: 1280, height: 640 }, colorScheme: "light" })
  ).newPage();
  const shoot = async (path: string, name: string, wait = 500): Promise<void> => {
    await page.goto(`${dashboard.url}${path}`);
    await page.waitForSelector("body[data-ready]");
    await sleep(wait);
    await page.screenshot({ path: join(OUT, `dashboard-${name}.png`), fullPage: true });
  };
  await shoot("/", "overview", 2_500);
  await steady();
  await shoot(`/streams/${REFUNDS}`, "stream");
  await shoot(`/streams/${ORDERS}/dead-letters`, "dead-letters");
  const dark = await (
    await browser.newContext({ viewport: { width: 1280, height: 640 }, colorScheme: "dark" })
  ).newPage();
  await dark.goto(
    `${dashboard.url}/streams/${ORDERS}/events?mode=equals&path=customer.id&value=c-7`,
  );
  await dark.waitForSelector(".search-stats");
  const paid = dark.locator(".results tbody tr", { hasText: "ORDER_PAID" }).first();
  const paidId = (await paid.locator("a").first().textContent()) ?? placed.id;
  await dark.goto(`${dashboard.url}/streams/${ORDERS}/events/${paidId}`);
  await dark.waitForSelector("ul.tree");
  await dark.screenshot({ path: join(OUT, "dashboard-event.png"), fullPage: true });
  console.log(`wrote docs/images/dashboard-{overview,stream,dead-letters,event}.png`);
} finally {
  await browser.close();
  await dashboard.close();
  await shop.close();
  assets.dispose();
  await server.dispose();
}
