/** The frame around every page: the top bar (where am I, which backend, links) and messages. */
import { ApiError } from "./api.js";
import type { Session } from "./api-types.js";
import { h, replace } from "./dom.js";

export interface Crumb {
  readonly text: string;
  readonly href?: string;
}

export interface Page {
  readonly session: Session;
  /** The page's content area. */
  readonly main: HTMLElement;
  /** Aborted when the page goes away (live updates and timers end on it). */
  readonly signal: AbortSignal;
}

/** Builds the top bar and an empty content area in `<body>`, and returns the content area. */
export function frame(session: Session | null, crumbs: readonly Crumb[]): HTMLElement {
  const nav = h("nav", { className: "crumbs", "aria-label": "location" });
  crumbs.forEach((crumb, i) => {
    if (i > 0) nav.appendChild(h("span", { className: "sep", text: "/" }));
    nav.appendChild(
      crumb.href === undefined || i === crumbs.length - 1
        ? h("span", { className: "here", text: crumb.text })
        : h("a", { href: crumb.href, text: crumb.text }),
    );
  });
  const side = h("div", { className: "side" });
  if (session !== null) {
    side.appendChild(
      h(
        "span",
        { className: "backend", title: "backend" },
        `${session.backend.kind} `,
        h("code", { text: session.backend.url }),
      ),
    );
    for (const [name, url] of Object.entries(session.endpoints)) {
      // Links only to http(s) addresses: a javascript: URL from a misconfiguration never runs.
      if (typeof url === "string" && /^https?:\/\//i.test(url)) {
        side.appendChild(
          h("a", {
            className: "ext",
            href: url,
            rel: "noopener",
            target: "_blank",
            text: `${name} ↗`,
          }),
        );
      }
    }
    side.appendChild(
      h("span", {
        className: session.writes ? "badge warn" : "badge",
        title: session.writes ? "requeue and delete are enabled" : "started without --allow-writes",
        text: session.writes ? "writes allowed" : "read-only",
      }),
    );
    if (session.tokenRequired) {
      // A plain form POST: the server clears the HttpOnly cookie, which no script can.
      side.appendChild(
        h(
          "form",
          { method: "post", action: "/logout", className: "logout" },
          h("button", { type: "submit", text: "Log out" }),
        ),
      );
    }
  }
  const main = h("main");
  replace(
    document.body,
    h("header", {}, h("a", { className: "brand", href: "/", text: "NecroStack" }), nav, side),
    main,
  );
  document.title =
    crumbs.length > 0 ? `${crumbs.map((c) => c.text).join(" / ")} · NecroStack` : "NecroStack";
  return main;
}

/** A message in the page: an error's text (an API error with its code), never as HTML. */
export function errorBox(error: unknown): HTMLElement {
  const message =
    error instanceof ApiError
      ? `${error.message} (${error.code}, HTTP ${error.status})`
      : error instanceof Error
        ? error.message
        : String(error);
  return h("div", { className: "error", role: "alert", text: message });
}

/** A titled section of a page. */
export function section(title: string, ...children: (Node | string | null | false)[]): HTMLElement {
  return h("section", {}, h("h2", { text: title }), ...children);
}

/** Label/value pairs as a compact definition list. */
export function facts(pairs: readonly (readonly [string, Node | string])[]): HTMLDListElement {
  const list = h("dl", { className: "facts" });
  for (const [label, value] of pairs) list.append(h("dt", { text: label }), h("dd", {}, value));
  return list;
}
