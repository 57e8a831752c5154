import { describe, expect, it } from "vitest";
import { CommandWatchdog, type SentQueue } from "../../src/backends/redis/command-watchdog.js";
import { Event } from "../../src/index.js";
import { CommandTimeoutError, RedisBackend, RedisOperationError } from "../../src/redis.js";
import { uniqueKey } from "../fault/support.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";

/** A stand-in for ioredis's queue of sent commands: the watchdog's own logic, looked at alone. */
class Sent {
  settled = false;
  error: unknown;
  reject(error: Error): void {
    this.settled = true;
    this.error = error;
  }
  get isSettled(): boolean {
    return this.settled;
  }
}

function queueOf(commands: Sent[]): SentQueue {
  return {
    get length() {
      return commands.length;
    },
    peekAt: (index) => {
      const command = commands[index];
      return command === undefined ? undefined : { command };
    },
  };
}

describe("CommandWatchdog", () => {
  it("fails nothing while the connection answers, however long commands keep coming", () => {
    const commands = [new Sent(), new Sent()];
    const watchdog = new CommandWatchdog(() => queueOf(commands), 100);
    for (let now = 0; now <= 1_000; now += 50) {
      expect(watchdog.check(now)).toBe(0);
      // An answer: the oldest command leaves the queue, a new one joins it.
      commands.shift();
      commands.push(new Sent());
    }
    expect(commands.some((command) => command.settled)).toBe(false);
  });

  it("fails every waiting command once the same command has been first in line for the timeout", () => {
    const commands = [new Sent(), new Sent(), new Sent()];
    const watchdog = new CommandWatchdog(() => queueOf(commands), 100);
    expect(watchdog.check(0)).toBe(0);
    expect(watchdog.check(99)).toBe(0);
    expect(watchdog.check(100)).toBe(3);
    for (const command of commands) expect(command.error).toBeInstanceOf(CommandTimeoutError);
  });

  it("does not fail a command twice, nor one already settled", () => {
    const done = new Sent();
    done.settled = true;
    const commands = [new Sent(), done];
    const watchdog = new CommandWatchdog(() => queueOf(commands), 100);
    watchdog.check(0);
    expect(watchdog.check(100)).toBe(1);
    expect(done.error).toBeUndefined();
    // The late answers have not come: the same commands are still queued.
    watchdog.check(200);
    expect(watchdog.check(300)).toBe(0);
  });

  it("starts counting again for a queue that replaced the old one (ioredis does on reconnect)", () => {
    let commands = [new Sent()];
    const watchdog = new CommandWatchdog(() => queueOf(commands), 100);
    watchdog.check(0);
    commands = [new Sent()];
    expect(watchdog.check(100)).toBe(0);
    expect(watchdog.check(200)).toBe(1);
  });
});

describeRedis("RedisBackend on a Redis that stops answering", () => {
  const fixture = usePrivateRedis();

  it("fails an enqueue with CommandTimeoutError after commandTimeoutMs, and works again once Redis answers", {
    timeout: 20_000,
  }, async () => {
    const backend = new RedisBackend({
      redisUrl: fixture.server.url,
      streamKey: uniqueKey("watchdog"),
      logger: false,
      commandTimeoutMs: 300,
    });
    try {
      await backend.enqueue(new Event("JOB", { n: 0 }));
      fixture.server.pause();
      const started = performance.now();
      const error = await backend.enqueue(new Event("JOB", { n: 1 })).catch((e: unknown) => e);
      const waited = performance.now() - started;
      fixture.server.resume();
      expect(error).toBeInstanceOf(RedisOperationError);
      expect((error as Error).cause).toBeInstanceOf(CommandTimeoutError);
      expect((error as Error).message).toContain("commandTimeoutMs");
      // At least the timeout, and at most one look later (a fifth of it) plus scheduling.
      expect(waited).toBeGreaterThanOrEqual(290);
      expect(waited).toBeLessThan(3_000);
      await backend.enqueue(new Event("JOB", { n: 2 }));
      expect(await fixture.redis.xlen(backend.streamKey)).toBeGreaterThanOrEqual(2);
    } finally {
      fixture.server.resume();
      await backend.close();
    }
  });
});
