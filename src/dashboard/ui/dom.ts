/**
 * The only way the dashboard builds DOM: elements from createElement, text from textContent.
 * Nothing here parses HTML, so an event's payload, a header or a stream name holding `<script>`
 * is shown as the characters it is.
 */

type Child = Node | string | number | null | undefined | false;

/** Attributes set with setAttribute (never `on*` handlers); `className` and `text` are shortcuts. */
export interface Attrs {
  readonly className?: string;
  readonly text?: string;
  readonly [attribute: string]: string | number | boolean | undefined;
}

/** `<tag attrs>children</tag>`, children appended as nodes or text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: readonly Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name === "className") element.className = String(value);
    else if (name === "text") element.textContent = String(value);
    else if (/^on/i.test(name)) throw new Error(`h(): refusing the handler attribute ${name}`);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

/** Appends nodes and strings (as text nodes), skipping null, undefined and false. */
export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `parent` with `children`. */
export function replace(parent: Node, ...children: readonly Child[]): void {
  while (parent.firstChild !== null) parent.removeChild(parent.firstChild);
  append(parent, children);
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element with attributes (numbers written as they are). */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Readonly<Record<string, string | number>> = {},
  ...children: readonly Child[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  append(element, children);
  return element;
}

/** A table with a header row and one row per item; `cells` gives each row's cells. */
export function table<T>(
  headings: readonly string[],
  items: readonly T[],
  cells: (item: T) => readonly (Child | HTMLTableCellElement)[],
  empty = "none",
): HTMLTableElement {
  const head = h("tr", {}, ...headings.map((text) => h("th", { text })));
  const body = h("tbody");
  for (const item of items) {
    body.appendChild(
      h(
        "tr",
        {},
        ...cells(item).map((cell) =>
          cell instanceof HTMLTableCellElement ? cell : h("td", {}, cell),
        ),
      ),
    );
  }
  if (items.length === 0) {
    body.appendChild(
      h("tr", {}, h("td", { className: "empty", colspan: headings.length, text: empty })),
    );
  }
  return h("table", {}, h("thead", {}, head), body);
}
