/** The overview's live feed (`/api/live`, Server-Sent Events) applied to its rows. */
import type { LiveMessage } from "../api-types.js";
import { formatCount, formatRate, formatTime } from "../format.js";
import { type Row, streamRow } from "./overview-row.js";

/** How long the page waits before opening a live feed the server closed. */
const RETRY_MS = 5_000;

/** Applies each `/api/live` message to the rows; says when the feed is late or gone. */
export function follow(
  rows: Map<string, Row>,
  body: HTMLElement,
  status: HTMLElement,
  signal: AbortSignal,
): void {
  let lastAt = 0;
  const say = (on: boolean, text: string): void => {
    status.className = on ? "live on" : "live off";
    status.textContent = text;
  };
  const apply = (message: MessageEvent<string>): void => {
    let data: LiveMessage;
    try {
      data = JSON.parse(message.data) as LiveMessage;
    } catch {
      return;
    }
    lastAt = Date.now();
    say(true, `live · ${formatTime(data.at).slice(11, 19)} UTC`);
    for (const stream of data.streams) {
      let row = rows.get(stream.name);
      if (row === undefined) {
        row = streamRow({
          name: stream.name,
          length: stream.length,
          deadLetters: stream.deadLetters,
          groups: [],
          rates: stream,
        });
        rows.set(stream.name, row);
        body.querySelector("td.empty")?.parentElement?.remove();
        body.appendChild(row.element);
      }
      row.length.textContent = formatCount(stream.length);
      row.inRate.textContent = formatRate(stream.inPerSec);
      row.outRate.textContent = formatRate(stream.outPerSec);
      row.pending.textContent = formatCount(stream.pending);
      row.lag.textContent = formatCount(stream.lag);
      row.deadLetters.textContent = formatCount(stream.deadLetters);
      row.deadLetters.className = stream.deadLetters > 0 ? "dl-count has" : "dl-count";
      row.chart.add({ at: data.at, inPerSec: stream.inPerSec, outPerSec: stream.outPerSec });
    }
  };
  let source: EventSource | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const open = (): void => {
    retry = undefined;
    if (signal.aborted) return;
    const current = new EventSource("/api/live");
    source = current;
    current.addEventListener("message", apply);
    current.addEventListener("error", (event) => {
      // The server's `event: error` message: one sample failed, the feed goes on.
      if (event instanceof MessageEvent && typeof event.data === "string") {
        let message = event.data;
        try {
          message = String((JSON.parse(event.data) as { message?: unknown }).message ?? message);
        } catch {}
        say(false, `sampling failed: ${message}`);
        return;
      }
      if (current.readyState !== EventSource.CLOSED) {
        // The browser reconnects by itself after a dropped connection.
        if (lastAt === 0) say(false, "live updates unavailable; retrying…");
        return;
      }
      // Refused (the server restarted without this session, or has too many feeds open):
      // the browser gives up, so the page tries again itself, a few seconds later.
      say(false, "live updates closed; trying again in 5 s…");
      retry ??= setTimeout(open, RETRY_MS);
    });
  };
  open();
  const watchdog = setInterval(() => {
    if (lastAt !== 0 && Date.now() - lastAt > 5_000 && retry === undefined) {
      say(false, "live updates stopped; reconnecting…");
    }
  }, 1_000);
  signal.addEventListener(
    "abort",
    () => {
      source?.close();
      clearTimeout(retry);
      clearInterval(watchdog);
    },
    { once: true },
  );
}
