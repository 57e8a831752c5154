/** JSON shown as indented monospace text, colored by token, every token a text node. */
import { h } from "./dom.js";

const MAX_DEPTH = 48;

/** A `<pre>` holding `value` as indented JSON with spans for keys, strings, numbers, literals. */
export function jsonView(value: unknown): HTMLPreElement {
  const pre = h("pre", { className: "json" });
  write(pre, value, 0);
  return pre;
}

function token(parent: HTMLElement, className: string, text: string): void {
  parent.appendChild(h("span", { className, text }));
}

function text(parent: HTMLElement, value: string): void {
  parent.appendChild(document.createTextNode(value));
}

function write(parent: HTMLElement, value: unknown, depth: number): void {
  if (value === null) token(parent, "j-lit", "null");
  else if (typeof value === "string") token(parent, "j-str", JSON.stringify(value));
  else if (typeof value === "number") token(parent, "j-num", String(value));
  else if (typeof value === "boolean") token(parent, "j-lit", String(value));
  else if (typeof value !== "object") text(parent, String(value));
  else if (depth >= MAX_DEPTH) text(parent, JSON.stringify(value));
  else if (Array.isArray(value))
    writeList(parent, value, depth, "[", "]", (item) => write(parent, item, depth + 1));
  else {
    writeList(parent, Object.entries(value), depth, "{", "}", ([key, item]) => {
      token(parent, "j-key", JSON.stringify(key));
      text(parent, ": ");
      write(parent, item, depth + 1);
    });
  }
}

/** `open`, one indented line per item, `close`; `open close` with no items. */
function writeList<T>(
  parent: HTMLElement,
  items: readonly T[],
  depth: number,
  open: string,
  close: string,
  each: (item: T) => void,
): void {
  if (items.length === 0) {
    text(parent, `${open}${close}`);
    return;
  }
  const pad = "  ".repeat(depth + 1);
  text(parent, `${open}\n`);
  items.forEach((item, i) => {
    text(parent, pad);
    each(item);
    text(parent, i < items.length - 1 ? ",\n" : "\n");
  });
  text(parent, `${"  ".repeat(depth)}${close}`);
}
