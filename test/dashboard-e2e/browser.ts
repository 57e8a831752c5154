/**
 * Headless Chromium for the dashboard's browser tests: Debian's /usr/bin/chromium driven by
 * playwright-core (which never downloads a browser), a fresh empty profile per launch, no network
 * but loopback in use. `describeBrowser` skips the suite with a notice when chromium or
 * redis-server is missing, and fails it loudly under NECROSTACK_REQUIRE_REDIS=1 (CI);
 * `needingChromium(describePostgres)` does the same for a PostgreSQL suite.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { describe } from "vitest";
import { describeRedis, REDIS_REQUIRED } from "../helpers/redis-server.js";

export const CHROMIUM = "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Where each scenario leaves its screenshot (gitignored). */
export const SCREENSHOTS = join(ROOT, "test-results/dashboard");

/** Whether Debian's chromium is installed and runs. */
export function chromiumInstalled(): boolean {
  return spawnSync(CHROMIUM, ["--version"], { stdio: "ignore" }).status === 0;
}

/**
 * `base` (a `describe` that already checks for its servers, such as `describeRedis`) when
 * chromium is installed; without it the suite is skipped with a notice, or fails loudly under
 * NECROSTACK_REQUIRE_REDIS=1 (CI).
 */
export function needingChromium(base: typeof describe): typeof describe {
  if (chromiumInstalled()) return base;
  if (REDIS_REQUIRED) {
    throw new Error(
      "NECROSTACK_REQUIRE_REDIS=1 but chromium is not installed (apt-get install chromium)",
    );
  }
  console.warn(
    "chromium not found: skipping the dashboard's browser tests (apt-get install chromium)",
  );
  return describe.skip as typeof describe;
}

/** `describe` for suites that need chromium and redis-server (see {@link needingChromium}). */
export const describeBrowser: typeof describe = needingChromium(describeRedis);

/** Starts headless Chromium with an empty profile and nothing running in the background. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * A page that records what went wrong in it: uncaught errors, console errors (a CSP refusal is
 * one), answers of 400 and above, and requests to anywhere but `origin` (the dashboard must work
 * offline).
 */
export interface WatchedPage {
  readonly page: Page;
  readonly errors: string[];
  readonly foreignRequests: string[];
}

export async function openPage(
  browser: Browser,
  origin: string,
  options: { colorScheme?: "light" | "dark"; width?: number; height?: number } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    colorScheme: options.colorScheme ?? "light",
  });
  const page = await context.newPage();
  const errors: string[] = [];
  const foreignRequests: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
  });
  page.on("request", (request) => {
    if (!request.url().startsWith(origin)) foreignRequests.push(request.url());
  });
  return { page, errors, foreignRequests };
}

/** Saves a PNG of the page as test-results/dashboard/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
