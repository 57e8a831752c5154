/**
 * `--interactive`: one request per line, queued until `send`. Works with a terminal and with a
 * pipe (`printf '...\nsend\nquit\n' | npm run example:notifications -- --interactive`). A line
 * that cannot be read gets a one-line error; nothing a user types ends the session but `quit`
 * or the end of input.
 */
import { createInterface } from "node:readline";
import { InputError } from "../errors.js";
import { MemoryPipeline, type NotificationRequest } from "../pipeline.js";
import { parseRequestLine } from "../requests.js";
import type { Settings } from "../settings.js";
import { formatAuditLine, formatSummary, type Summary } from "../summary.js";
import { reportUnexpected, spineLogger } from "./batch.js";

const HELP = `Type a request, then "send" to deliver what is queued:
  user_001 email,sms 'Your order shipped!' high
Channels: email, sms, push (comma-separated). Priority: low, normal (default), high.
Commands: send, stats, help, quit (quit sends what is still queued)`;

export async function runInteractive(settings: Settings): Promise<Summary> {
  const pipeline = new MemoryPipeline(settings, { logger: spineLogger(settings) });
  const queued: NotificationRequest[] = [];
  const tty = process.stdin.isTTY === true;
  const prompt = createInterface({ input: process.stdin, output: process.stdout, terminal: tty });
  console.log(HELP);
  if (tty) prompt.prompt();
  for await (const raw of prompt) {
    const line = raw.trim();
    const command = line.toLowerCase();
    if (command === "quit" || command === "exit") break;
    if (command === "" || line.startsWith("#")) {
      // Blank lines and comments let a script of commands be annotated.
    } else if (command === "help") {
      console.log(HELP);
    } else if (command === "stats") {
      console.log(`queued ${queued.length}\n${formatSummary(await pipeline.summary())}`);
    } else if (command === "send") {
      if (queued.length === 0) console.log("nothing queued");
      else await send(pipeline, queued.splice(0));
    } else {
      try {
        const request = parseRequestLine(line);
        queued.push(request);
        const channels = (request.channels as string[]).join(",");
        console.log(
          `queued #${queued.length}: ${String(request.userId)} -> ${channels || "(none)"}`,
        );
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        console.log(`error: ${error.message}`);
      }
    }
    if (tty) prompt.prompt();
  }
  prompt.close();
  // Ending the session is not a reason to drop what was accepted.
  if (queued.length > 0) {
    console.log(`sending the ${queued.length} still queued`);
    await send(pipeline, queued.splice(0));
  }
  const summary = await pipeline.summary();
  console.log(`\n${formatSummary(summary)}`);
  reportUnexpected(pipeline);
  if (settings.json) console.log(JSON.stringify({ summary }));
  return summary;
}

async function send(pipeline: MemoryPipeline, requests: NotificationRequest[]): Promise<void> {
  const batch = await pipeline.process(requests);
  const ids = new Set(batch.ids);
  for (const line of await pipeline.audit.lines()) {
    if (ids.has(line.notificationId)) console.log(formatAuditLine(line));
  }
  console.log(
    `sent ${batch.ids.length}: ${batch.eventsProcessed} events in ${batch.durationMs.toFixed(1)} ms`,
  );
}
