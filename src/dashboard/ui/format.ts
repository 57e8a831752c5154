/** How numbers, durations and times read on the dashboard. Pure functions, no DOM. */

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat("en-US", {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

/** A count with thousands separators; "–" when unknown. */
export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? "–"
    : integer.format(value);
}

/** Events per second: one decimal below 10, whole numbers above. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return "–";
  if (perSecond === 0) return "0";
  return perSecond < 10 ? oneDecimal.format(perSecond) : integer.format(perSecond);
}

/** A duration in the two largest units that matter: `850 ms`, `12.3 s`, `4 min 2 s`, `2 d 4 h`. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return "–";
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${oneDecimal.format(ms / 1_000)} s`;
  const s = Math.floor(ms / 1_000);
  if (s < 3_600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3_600)} h ${Math.floor((s % 3_600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3_600)} h`;
}

/** An ISO time as `YYYY-MM-DD HH:MM:SS.mmm` in UTC; the text as given when it is no time. */
export function formatTime(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return new Date(time).toISOString().replace("T", " ").replace("Z", "");
}

/** One line of a JSON value, cut at `max` characters with an ellipsis. */
export function previewJson(value: unknown, max = 160): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return cut(text, max);
}

/** Text cut at `max` characters with an ellipsis. */
export function cut(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A `datetime-local` input's value (local time, no zone) as an ISO instant; "" stays "".
 * Used so a time range typed in the form reaches the API as UTC.
 */
export function localInputToIso(value: string): string {
  if (value === "") return "";
  const time = new Date(value).getTime();
  return Number.isNaN(time) ? "" : new Date(time).toISOString();
}
