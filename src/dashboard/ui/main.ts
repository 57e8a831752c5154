/**
 * The dashboard's front end: reads the path, draws that page from the JSON API. Each page is a
 * full page load (plain links and GET forms), so every view can be bookmarked and shared.
 */
import { getJson, streamPage } from "./api.js";
import type { Session } from "./api-types.js";
import { h, replace } from "./dom.js";
import { type Crumb, errorBox, frame, type Page } from "./layout.js";
import { deadLettersPage } from "./pages/dead-letters.js";
import { eventPage } from "./pages/event.js";
import { eventsPage } from "./pages/events.js";
import { loginPage } from "./pages/login.js";
import { overviewPage } from "./pages/overview.js";
import { streamPageView } from "./pages/stream.js";

interface Route {
  readonly crumbs: readonly Crumb[];
  readonly draw: (page: Page) => Promise<void>;
}

function route(path: string): Route | null {
  const parts = path.split("/").filter((part) => part !== "");
  const decoded = parts.map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  });
  const home: Crumb = { text: "streams", href: "/" };
  if (parts.length === 0) return { crumbs: [home], draw: overviewPage };
  const [top, stream, section, eventId] = decoded;
  if (top !== "streams" || stream === undefined || parts.length > 4) return null;
  const streamCrumb: Crumb = { text: stream, href: streamPage(stream) };
  if (section === undefined) {
    return { crumbs: [home, streamCrumb], draw: (page) => streamPageView(page, stream) };
  }
  if (section === "dead-letters" && eventId === undefined) {
    return {
      crumbs: [home, streamCrumb, { text: "dead letters" }],
      draw: (page) => deadLettersPage(page, stream),
    };
  }
  if (section !== "events") return null;
  const eventsCrumb: Crumb = { text: "events", href: streamPage(stream, "/events") };
  if (eventId === undefined) {
    return { crumbs: [home, streamCrumb, eventsCrumb], draw: (page) => eventsPage(page, stream) };
  }
  return {
    crumbs: [home, streamCrumb, eventsCrumb, { text: eventId }],
    draw: (page) => eventPage(page, stream, eventId),
  };
}

async function start(): Promise<void> {
  const path = window.location.pathname;
  if (path === "/login") {
    loginPage();
    document.body.dataset.ready = "true";
    return;
  }
  const target = route(path);
  let session: Session;
  try {
    session = await getJson<Session>("/api/session");
  } catch (error) {
    replace(frame(null, [{ text: "NecroStack" }]), errorBox(error));
    return;
  }
  if (target === null) {
    const main = frame(session, [{ text: "streams", href: "/" }, { text: "not found" }]);
    replace(main, h("p", { className: "error", text: `No dashboard page at ${path}` }));
    return;
  }
  const main = frame(session, target.crumbs);
  const loading = h("p", { className: "muted", text: "loading…" });
  main.appendChild(loading);
  const controller = new AbortController();
  window.addEventListener("pagehide", () => controller.abort(), { once: true });
  try {
    await target.draw({ session, main, signal: controller.signal });
  } catch (error) {
    loading.remove();
    if (!controller.signal.aborted) main.prepend(errorBox(error));
  }
  document.body.dataset.ready = "true";
}

void start();
