/**
 * Renders contrib/grafana/necrostack.json from a real run, for docs/images/grafana-dashboard.png:
 *
 *   npx tsx contrib/grafana/render.ts
 *
 * Starts a private redis-server on a free loopback port, two `necrostack worker --http` processes
 * on one stream (the order pipeline of demo-organs.ts), and a producer with a burst in the middle
 * (so the group lags, then catches up). Scrapes both workers' /metrics every second, evaluates
 * each panel's own query over the scrapes (promql.ts), draws the panels as a static page
 * (page.ts), and screenshots it in headless Chromium. Needs redis-server and /usr/bin/chromium.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { Event } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { type PanelData, renderPage } from "./page.js";
import { evaluate, type Scrape } from "./promql.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DASHBOARD = fileURLToPath(new URL("./necrostack.json", import.meta.url));
const OUT = join(ROOT, "docs/images/grafana-dashboard.png");
const STREAM = "orders";
/** Orders per second over the run: a burst the two workers cannot keep up with, then calm. */
const SCHEDULE = [
  { untilS: 10, perSecond: 40 },
  { untilS: 24, perSecond: 200 },
  { untilS: 50, perSecond: 40 },
] as const;
const RATE_WINDOW_S = 5;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        resolve(typeof address === "object" && address !== null ? address.port : 0),
      );
    });
  });
}

function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function startWorker(
  redisUrl: string,
  name: string,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      ...["--import", "tsx", "src/cli.ts", "worker", "--organs", "contrib/grafana/demo-organs.ts"],
      ...["--redis", redisUrl, "--stream", STREAM, "--group", "shop", "--consumer", name],
      ...["--handler-failure-mode", "nack", "--max-retries", "2"],
      ...["--claim-min-idle-ms", "1000", "--claim-interval-ms", "500", "--http", "127.0.0.1:0"],
    ],
    {
      cwd: ROOT,
      env: { ...process.env, NECROSTACK_LOG_LEVEL: "error" },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker ${name} did not start: ${out}`)),
      30_000,
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /on (http:\/\/\S+)\n/.exec(out);
      if (match !== null && out.includes("listening on")) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once("exit", (code) => reject(new Error(`worker ${name} exited ${code}: ${out}`)));
  });
  return { child, url };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "necrostack-grafana-"));
  const port = await freePort();
  const redis = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
    ],
    {
      stdio: "ignore",
    },
  );
  const redisUrl = `redis://127.0.0.1:${port}`;
  const workers: ChildProcess[] = [];
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = await Promise.all([
      startWorker(redisUrl, "worker-1"),
      startWorker(redisUrl, "worker-2"),
    ]);
    workers.push(...started.map((w) => w.child));
    const producer = new RedisBackend({ redisUrl, streamKey: STREAM, logger: false });
    const scrapes: Scrape[] = [];
    const scrape = async () => {
      const t = Date.now();
      const targets = await Promise.all(
        started.map(async (w) => parse(await (await fetch(`${w.url}/metrics`)).text())),
      );
      scrapes.push({ t, targets });
    };
    const t0 = Date.now();
    let n = 0;
    let producing = true;
    const produce = (async () => {
      for (const phase of SCHEDULE) {
        while (Date.now() - t0 < phase.untilS * 1000) {
          const tick = Date.now();
          for (let i = 0; i < phase.perSecond / 10; i++)
            await producer.enqueue(new Event("ORDER_PLACED", { n: n++ }));
          await new Promise((resolve) =>
            setTimeout(resolve, Math.max(0, 100 - (Date.now() - tick))),
          );
        }
      }
      producing = false;
    })();
    await scrape();
    while (producing) {
      await new Promise((resolve) => setTimeout(resolve, 1000 - ((Date.now() - t0) % 1000)));
      await scrape();
    }
    await produce;
    await producer.close();
    // Until the group has caught up (lag and pending 0 on both), then a few seconds more.
    const caughtUp = (s: Scrape) =>
      s.targets.every((m) =>
        [...m].every(([k, v]) => !/^necrostack_consumer_group_(lag|pending)\{/.test(k) || v === 0),
      );
    for (let extra = 0; extra < 30 && !caughtUp(scrapes.at(-1) as Scrape); extra++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await scrape();
    }
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await scrape();
    }

    const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
      panels: {
        title: string;
        fieldConfig: { defaults: { unit: string } };
        targets: { expr: string; legendFormat: string }[];
      }[];
    };
    const panels: PanelData[] = dashboard.panels.map((panel) => {
      const series = new Map<string, (number | null)[]>();
      for (const target of panel.targets) {
        for (const [name, row] of evaluate(
          target.expr,
          target.legendFormat,
          scrapes,
          RATE_WINDOW_S,
        ))
          series.set(name, row);
      }
      return { title: panel.title, unit: panel.fieldConfig.defaults.unit, series };
    });
    const handled = [...(scrapes.at(-1) as Scrape).targets].reduce(
      (sum, m) =>
        sum +
        [...m]
          .filter(([k]) => k.startsWith("necrostack_events_processed_total{"))
          .reduce((s, [, v]) => s + v, 0),
      0,
    );
    const seconds = Math.round(((scrapes.at(-1) as Scrape).t - (scrapes[0] as Scrape).t) / 1000);
    const caption = `Rendered by contrib/grafana/render.ts on ${new Date().toISOString().slice(0, 10)}: each panel is the query of contrib/grafana/necrostack.json, evaluated over /metrics scraped every second from 2 necrostack worker processes on a private redis-server (${n} orders, ${handled} handlings, ${seconds} s; rate window ${RATE_WINDOW_S} s). Drawn as a static page, not by Grafana.`;
    const html = renderPage({ panels, times: scrapes.map((s) => s.t), caption, stream: STREAM });
    writeFileSync(join(dir, "dashboard.html"), html);
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
      await page.setContent(html);
      await page.screenshot({ path: OUT, fullPage: true });
    } finally {
      await browser.close();
    }
    console.log(
      `wrote ${OUT}: ${n} orders, ${handled} handlings over ${seconds} s, ${scrapes.length} scrapes`,
    );
  } finally {
    for (const worker of workers) worker.kill("SIGTERM");
    await Promise.all(
      workers.map(
        (w) =>
          new Promise((resolve) => (w.exitCode !== null ? resolve(null) : w.once("exit", resolve))),
      ),
    );
    redis.kill("SIGTERM");
    await new Promise((resolve) => redis.once("exit", resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
