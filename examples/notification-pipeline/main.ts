/**
 * The notification pipeline: NOTIFICATION_REQUESTED -> Validate -> Router -> Email / Sms / Push
 * -> Audit -> DELIVERY_COMPLETED. Run it from the repository root:
 *
 *   npm run example:notifications                                  # demo on built-in samples
 *   npm run example:notifications -- --file examples/notification-pipeline/samples/notifications.csv
 *   npm run example:notifications -- --interactive
 *   npm run example:notifications -- --stress --count 100000
 *   npm run example:notifications -- --backend redis --redis redis://127.0.0.1:6379 --workers 2
 *
 * See README.md next to this file, or `--help`.
 */
import { InputError } from "./errors.js";
import { runBatch } from "./modes/batch.js";
import { runInteractive } from "./modes/interactive.js";
import { parseSettings, USAGE } from "./settings.js";

async function main(argv: readonly string[]): Promise<number> {
  const settings = parseSettings(argv);
  if (settings === "help") {
    console.log(USAGE);
    return 0;
  }
  if (settings.backend === "redis") {
    // Loaded only here: the in-memory modes need neither ioredis nor a server.
    const { runRedis, runWorker } = await import("./modes/redis.js");
    if (settings.worker !== undefined) await runWorker(settings);
    else await runRedis(settings);
    return 0;
  }
  if (settings.mode === "interactive") await runInteractive(settings);
  else await runBatch(settings);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof InputError) {
      console.error(`error: ${error.message}`);
      process.exitCode = 2;
    } else {
      console.error(error);
      process.exitCode = 1;
    }
  },
);
