/**
 * The notification pipeline example, end to end: the program is run as a user runs it, and its
 * summary is checked against numbers worked out here from the inputs and the example's rules
 * (which channels were asked for, which numbers are blocked, which email attempts the seed fails).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Event } from "necrostack";
import { afterAll, describe, expect, it } from "vitest";
import { BLOCKED_NUMBERS, contactFor } from "../../examples/notification-pipeline/contacts.js";
import { PermanentDeliveryError } from "../../examples/notification-pipeline/errors.js";
import {
  CHANNELS,
  type Channel,
  EMAIL_FAILED,
  EMAIL_SEND_REQUESTED,
  type EmailSendEvent,
  NOTIFICATION_FAILED,
  NOTIFICATION_REQUESTED,
  NOTIFICATION_VALIDATED,
  type RequestedEvent,
  type RequestedPayload,
  SMS_SEND_REQUESTED,
  type SmsSendEvent,
} from "../../examples/notification-pipeline/events.js";
import { EmailSender } from "../../examples/notification-pipeline/organs/email-sender.js";
import { SmsSender } from "../../examples/notification-pipeline/organs/sms-sender.js";
import { Validate } from "../../examples/notification-pipeline/organs/validate.js";
import {
  parseCsvRequests,
  parseJsonRequests,
  parseRequestLine,
} from "../../examples/notification-pipeline/requests.js";
import { demoRequests, stressRequests } from "../../examples/notification-pipeline/samples.js";
import { emailAttemptFails } from "../../examples/notification-pipeline/seeded.js";
import type { Summary } from "../../examples/notification-pipeline/summary.js";

const MAIN = "examples/notification-pipeline/main.ts";
const SAMPLES = "examples/notification-pipeline/samples";
const RUN_TIMEOUT_MS = 60_000;
/** Each test starts Node processes that compile TypeScript: slow on a busy machine, never hung. */
const E2E_TIMEOUT_MS = 90_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the example as `node --import tsx main.ts <args>`, feeding `stdin` through a pipe. */
function runExample(args: readonly string[], stdin = ""): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, NECROSTACK_LOG_LEVEL: "silent" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`example did not finish within ${RUN_TIMEOUT_MS} ms:\n${stdout}\n${stderr}`),
      );
    }, RUN_TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

/** The `--json` line's contents. */
function jsonResult(run: Run): { summary: Summary; malformed?: number; eventsProcessed?: number } {
  const line = run.stdout.split("\n").find((l) => l.startsWith('{"summary"'));
  if (line === undefined) throw new Error(`no JSON summary in:\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(line);
}

interface Rules {
  seed: number;
  failureRate: number;
  maxAttempts: number;
}

type Expected = Omit<Summary, "unaccounted"> & { unaccounted: 0 };

/**
 * The summary the example must print for `requests`, worked out from the rules alone: an email
 * succeeds on the first attempt the seed does not fail, SMS to a blocked number is
 * dead-lettered, push always succeeds.
 */
function expectedSummary(
  requests: readonly { userId?: unknown; channels?: unknown; message?: unknown }[],
  rules: Rules,
  invalid: ReadonlySet<number>,
): Expected {
  const zero = (): Record<Channel, number> => ({ email: 0, sms: 0, push: 0 });
  const expected: Expected = {
    requested: requests.length,
    invalid: invalid.size,
    completed: requests.length - invalid.size,
    delivered: zero(),
    undelivered: zero(),
    deadLettered: 0,
    retries: 0,
    unaccounted: 0,
  };
  requests.forEach((request, index) => {
    if (invalid.has(index)) return;
    const id = `n-${index + 1}`;
    const channels = new Set(request.channels as Channel[]);
    for (const channel of CHANNELS) {
      if (!channels.has(channel)) continue;
      if (channel === "sms" && BLOCKED_NUMBERS.has(contactFor(request.userId as string).phone)) {
        expected.undelivered.sms++;
        expected.deadLettered++;
      } else if (channel === "email") {
        let attempt = 1;
        while (
          attempt <= rules.maxAttempts &&
          emailAttemptFails(rules.seed, id, attempt, rules.failureRate)
        ) {
          attempt++;
        }
        if (attempt > rules.maxAttempts) {
          expected.undelivered.email++;
          expected.retries += rules.maxAttempts - 1;
        } else {
          expected.delivered.email++;
          expected.retries += attempt - 1;
        }
      } else {
        expected.delivered[channel]++;
      }
    }
  });
  return expected;
}

const DEFAULT_RULES: Rules = { seed: 42, failureRate: 0.3, maxAttempts: 4 };
/** The demo's invalid requests: a blank message, an unknown channel and priority, no user. */
const DEMO_INVALID = new Set([6, 7, 8]);

describe("notification pipeline: demo", { timeout: E2E_TIMEOUT_MS }, () => {
  it("prints the summary the rules give for the built-in samples and seed 42", async () => {
    const run = await runExample(["--json"]);
    expect(run.code, run.stderr).toBe(0);
    const expected = expectedSummary(demoRequests(), DEFAULT_RULES, DEMO_INVALID);
    expect(jsonResult(run).summary).toEqual(expected);
    expect(run.stdout).toContain(`requested      ${expected.requested}\n`);
    expect(run.stdout).toContain(`dead-lettered  ${expected.deadLettered}\n`);
    expect(run.stdout).toContain(`retries        ${expected.retries}\n`);
  });

  it("shows retries with backoff for the seed's failed email attempts", async () => {
    const expected = expectedSummary(demoRequests(), DEFAULT_RULES, DEMO_INVALID);
    // Guards the example itself: seed 42 must show at least one retry, or the demo shows nothing.
    expect(expected.retries).toBeGreaterThan(0);
    const run = await runExample([]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/email +delivered +\(2 attempts\)/);
    expect(run.stdout).toContain("failed: number +15550000003 is blocked by the SMS gateway");
    expect(run.stdout).toContain("[dead-lettered]");
    expect(run.stdout).toContain("invalid: message must not be empty");
  });

  it("names every reason an invalid request fails", async () => {
    const run = await runExample([]);
    expect(run.stdout).toContain(
      'invalid: channel "telegram" is not one of email, sms, push; priority must be one of low, normal, high, got "urgent"',
    );
    expect(run.stdout).toContain("invalid: userId is missing");
  });

  it("gives the same summary for the same seed, and follows another seed's failures", async () => {
    const [first, second, other] = await Promise.all([
      runExample(["--json", "--quiet"]),
      runExample(["--json", "--quiet"]),
      runExample(["--json", "--quiet", "--seed", "7"]),
    ]);
    expect(jsonResult(first).summary).toEqual(jsonResult(second).summary);
    expect(jsonResult(other).summary).toEqual(
      expectedSummary(demoRequests(), { ...DEFAULT_RULES, seed: 7 }, DEMO_INVALID),
    );
  });

  it("gives up on an email after --max-email-attempts when every attempt fails", async () => {
    const run = await runExample([
      "--json",
      "--quiet",
      "--email-failure-rate",
      "1",
      "--max-email-attempts",
      "3",
      "--backoff-ms",
      "1",
    ]);
    const { summary } = jsonResult(run);
    expect(summary.delivered.email).toBe(0);
    expect(summary.undelivered.email).toBe(4);
    expect(summary.retries).toBe(4 * 2);
    // A notification completes when its email has failed for good, as when it is delivered.
    expect(summary.completed).toBe(6);
  });
});

describe("notification pipeline: --file", { timeout: E2E_TIMEOUT_MS }, () => {
  const dir = mkdtempSync(join(tmpdir(), "necrostack-notifications-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs the JSON sample file with nothing malformed", async () => {
    const file = `${SAMPLES}/notifications.json`;
    const run = await runExample(["--file", file, "--json", "--quiet"]);
    expect(run.code, run.stderr).toBe(0);
    const { requests } = parseJsonRequests((await import("node:fs")).readFileSync(file, "utf8"));
    const result = jsonResult(run);
    expect(result.malformed).toBe(0);
    expect(result.summary).toEqual(expectedSummary(requests, DEFAULT_RULES, new Set()));
  });

  it("runs the CSV sample file to the same summary as the JSON one", async () => {
    const [csv, json] = await Promise.all([
      runExample(["--file", `${SAMPLES}/notifications.csv`, "--json", "--quiet"]),
      runExample(["--file", `${SAMPLES}/notifications.json`, "--json", "--quiet"]),
    ]);
    expect(jsonResult(csv).summary).toEqual(jsonResult(json).summary);
  });

  it("reports each malformed CSV row with its line and runs the rest", async () => {
    const file = join(dir, "mixed.csv");
    writeFileSync(
      file,
      [
        "user_id,channels,message,priority",
        'user_001,email|push,"Hello, world",high',
        "user_002,email",
        'user_003,"sms,"broken quote",normal',
        "user_004,fax,Bad channel,urgent",
        "user_005,push,Last one,",
        "",
      ].join("\n"),
    );
    const run = await runExample(["--file", file, "--json", "--quiet"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("skipped line 3: expected 4 fields, got 2");
    expect(run.stderr).toContain("skipped line 4: unexpected");
    expect(run.stdout).toContain("Read 3 requests from");
    const result = jsonResult(run);
    expect(result.malformed).toBe(2);
    expect(result.summary).toMatchObject({
      requested: 3,
      invalid: 1,
      completed: 2,
      unaccounted: 0,
    });
    expect(result.summary.delivered.push).toBe(2);
  });

  it("reports JSON items that are not requests, and unknown fields, and runs the rest", async () => {
    const file = join(dir, "mixed.json");
    writeFileSync(
      file,
      JSON.stringify([
        { user_id: "user_001", channels: ["push"], message: "ok" },
        "not an object",
        { user_id: "user_002", chanels: ["email"], message: "typo" },
        { user_id: "user_003", channels: "sms", message: "channels as text" },
      ]),
    );
    const run = await runExample(["--file", file, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('skipped item 2: expected an object, got string "not an object"');
    expect(run.stderr).toContain('skipped item 3: unknown field "chanels"');
    expect(run.stdout).toContain('channels must be a list of email, sms, push, got "sms"');
    expect(jsonResult(run).summary).toMatchObject({ requested: 2, invalid: 1, completed: 1 });
  });

  it("fails with a one-line error for a file it cannot use", async () => {
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{ not json");
    const runs = await Promise.all([
      runExample(["--file", broken]),
      runExample(["--file", join(dir, "missing.csv")]),
      runExample(["--file", join(dir, "notes.txt")]),
    ]);
    for (const run of runs) expect(run.code).toBe(2);
    expect(runs[0]?.stderr).toMatch(/^error: .*broken\.json is not valid JSON/);
    expect(runs[1]?.stderr).toMatch(/^error: Cannot read .*missing\.csv/);
    expect(runs[2]?.stderr).toMatch(/^error: Expected a \.json or \.csv file/);
  });
});

describe("notification pipeline: --interactive", { timeout: E2E_TIMEOUT_MS }, () => {
  it("queues typed requests, sends them on 'send', and answers bad lines with one-line errors", async () => {
    const script = [
      "user_001 email,sms 'Your order shipped!' high",
      'user_003 sms,push "Security alert"',
      "user_002 email 'never closed",
      "just-one-word",
      "stats",
      "send",
      "user_004 push Bare words are a message too low",
      "send",
      "quit",
      "user_005 push 'after quit: never read'",
    ].join("\n");
    const run = await runExample(["--interactive", "--json"], `${script}\n`);
    expect(run.code, run.stderr).toBe(0);
    const errors = run.stdout.split("\n").filter((line) => line.startsWith("error: "));
    expect(errors).toEqual([
      "error: the quote ' at column 16 is never closed",
      "error: expected <user_id> <channels> '<message>' [low|normal|high], got 1 part",
    ]);
    expect(run.stdout).toContain("queued 2\n");
    expect(run.stdout).toContain("sent 2:");
    expect(run.stdout).toContain("sent 1:");
    const { summary } = jsonResult(run);
    expect(summary).toMatchObject({ requested: 3, completed: 3, invalid: 0, deadLettered: 1 });
    expect(summary.delivered.push).toBe(2);
  });

  it("sends what is still queued when input ends without 'quit'", async () => {
    const run = await runExample(["--interactive", "--json"], "user_001 push 'Hi there'\n");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("sending the 1 still queued");
    expect(jsonResult(run).summary).toMatchObject({ requested: 1, completed: 1 });
  });

  it("turns a request that parses but is not valid into NOTIFICATION_FAILED after 'send'", async () => {
    const run = await runExample(["--interactive", "--json"], "user_001 fax,email '' high\nsend\n");
    expect(run.stdout).toContain(
      'invalid: channel "fax" is not one of email, sms, push; message must not be empty',
    );
    expect(jsonResult(run).summary).toMatchObject({ requested: 1, invalid: 1, completed: 0 });
  });
});

describe("notification pipeline: --stress", { timeout: E2E_TIMEOUT_MS }, () => {
  it("accounts for every generated notification and prints throughput", async () => {
    const count = 3_000;
    const run = await runExample(["--stress", "--count", String(count), "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /Throughput: \d+ events in [\d.]+ s = [\d,]+ events\/s, [\d,]+ notifications\/s/,
    );
    const requests = stressRequests(count, 42);
    const invalid = new Set<number>();
    requests.forEach((request, i) => {
      if (request.message === "") invalid.add(i);
    });
    expect(invalid.size).toBeGreaterThan(0);
    expect(jsonResult(run).summary).toEqual(expectedSummary(requests, DEFAULT_RULES, invalid));
  });
});

describe("notification pipeline: flags", { timeout: E2E_TIMEOUT_MS }, () => {
  it("rejects a bad flag value with a message naming the flag", async () => {
    const runs = await Promise.all([
      runExample(["--stress", "--count", "0"]),
      runExample(["--email-failure-rate", "1.5"]),
      runExample(["--frobnicate"]),
      runExample(["--interactive", "--stress"]),
    ]);
    for (const run of runs) expect(run.code).toBe(2);
    expect(runs[0]?.stderr).toContain("Expected `--count` to be an integer >= 1, got `0`");
    expect(runs[1]?.stderr).toContain(
      "Expected `--email-failure-rate` to be a number from 0 to 1, got `1.5`",
    );
    expect(runs[2]?.stderr).toContain("Unknown option '--frobnicate'");
    expect(runs[3]?.stderr).toContain("Choose one mode, got --interactive and --stress");
  });
});

describe("notification pipeline: readers", () => {
  it("reads a prompt line with a quoted message, a doubled quote inside and a priority", () => {
    expect(parseRequestLine("user_001 email,SMS 'It''s shipped!' HIGH")).toEqual({
      userId: "user_001",
      channels: ["email", "sms"],
      message: "It's shipped!",
      priority: "high",
    });
  });

  it("leaves the priority out of a prompt line that does not end with one", () => {
    expect(parseRequestLine("user_001 push hello there")).toEqual({
      userId: "user_001",
      channels: ["push"],
      message: "hello there",
    });
  });

  it("reads CSV fields holding commas, doubled quotes and line breaks", () => {
    const { requests, malformed } = parseCsvRequests(
      'user_id,channels,message\r\nuser_001,email|push,"a, ""b""\nc"\r\n',
    );
    expect(malformed).toEqual([]);
    expect(requests).toEqual([
      { userId: "user_001", channels: ["email", "push"], message: 'a, "b"\nc' },
    ]);
  });

  it("reports a CSV row whose quote never closes, and reads the rows after it", () => {
    const { requests, malformed } = parseCsvRequests(
      'user_id,channels,message\nuser_001,push,"open\nuser_002,push,fine\n',
    );
    expect(malformed).toEqual(["line 2: a quoted field is never closed"]);
    expect(requests).toEqual([{ userId: "user_002", channels: ["push"], message: "fine" }]);
  });

  it("rejects a CSV header without the required columns, naming them", () => {
    expect(() => parseCsvRequests("user,message\nu,m\n")).toThrow(
      /missing user_id, channels; unknown user/,
    );
  });

  it("accepts a JSON array as well as {notifications: [...]}", () => {
    const item = { user_id: "user_001", channels: ["push"], message: "hi" };
    expect(parseJsonRequests(JSON.stringify([item])).requests).toEqual(
      parseJsonRequests(JSON.stringify({ notifications: [item] })).requests,
    );
  });
});

describe("notification pipeline: organs", () => {
  const requested = (payload: Omit<RequestedPayload, "notificationId">): RequestedEvent =>
    new Event(NOTIFICATION_REQUESTED, { notificationId: "n-1", ...payload });

  it("Validate passes a request on with its channels deduplicated in a fixed order", () => {
    const out = new Validate().handle(
      requested({ userId: "user_001", channels: ["push", "email", "push"], message: " Hi " }),
    );
    expect(out.eventType).toBe(NOTIFICATION_VALIDATED);
    expect(out.payload).toEqual({
      notificationId: "n-1",
      userId: "user_001",
      channels: ["email", "push"],
      message: "Hi",
      priority: "normal",
    });
  });

  it("Validate lists every problem of a request, each naming the field and the value", () => {
    const out = new Validate().handle(
      requested({
        userId: "no spaces allowed",
        channels: ["fax", 3],
        message: 42,
        priority: "now",
      }),
    );
    expect(out.eventType).toBe(NOTIFICATION_FAILED);
    expect(out.payload.reasons).toEqual([
      'userId must be 1-64 letters, digits, "_" or "-", got "no spaces allowed"',
      'channel "fax" is not one of email, sms, push',
      "channel 3 is not one of email, sms, push",
      "message must be text, got 42",
      'priority must be one of low, normal, high, got "now"',
    ]);
  });

  const emailRequest = (attempt: number): EmailSendEvent =>
    new Event(EMAIL_SEND_REQUESTED, {
      notificationId: "n-1",
      userId: "user_001",
      channels: ["email"],
      priority: "normal",
      to: "user_001@example.com",
      subject: "Hi",
      body: "Hi",
      attempt,
      notBefore: 0,
    });

  it("EmailSender retries a failed attempt as a new request with the next attempt and a backoff", async () => {
    const sender = new EmailSender({ seed: 1, failureRate: 1, maxAttempts: 4, backoffMs: 100 });
    const before = Date.now();
    const retry = (await sender.handle(emailRequest(3))) as EmailSendEvent;
    expect(retry.eventType).toBe(EMAIL_SEND_REQUESTED);
    expect(retry.payload.attempt).toBe(4);
    // Retry n waits backoffMs * 2^(n - 1): the third failure schedules the fourth 400 ms out.
    expect(retry.payload.notBefore).toBeGreaterThanOrEqual(before + 400);
    expect(retry.payload.notBefore).toBeLessThanOrEqual(Date.now() + 400);
  });

  it("EmailSender gives up with EMAIL_FAILED once the last attempt fails", async () => {
    const sender = new EmailSender({ seed: 1, failureRate: 1, maxAttempts: 4, backoffMs: 100 });
    const failed = await sender.handle(emailRequest(4));
    expect(failed.eventType).toBe(EMAIL_FAILED);
    expect(failed.payload).toMatchObject({ attempts: 4, channel: "email" });
  });

  it("SmsSender throws a PermanentDeliveryError for a blocked number", () => {
    const blocked = contactFor("user_003").phone;
    expect(BLOCKED_NUMBERS.has(blocked)).toBe(true);
    const event: SmsSendEvent = new Event(SMS_SEND_REQUESTED, {
      notificationId: "n-1",
      userId: "user_003",
      channels: ["sms"],
      priority: "high",
      to: blocked,
      text: "Hi",
    });
    expect(() => new SmsSender().handle(event)).toThrow(PermanentDeliveryError);
  });
});
