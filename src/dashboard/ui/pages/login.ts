/** `/login`: the token form. A plain form POST, so the server sets its HttpOnly cookie. */
import { h, replace } from "../dom.js";
import { frame } from "../layout.js";

export function loginPage(): void {
  const params = new URLSearchParams(window.location.search);
  const main = frame(null, [{ text: "Log in" }]);
  const token = h("input", {
    type: "password",
    name: "token",
    id: "token",
    autocomplete: "current-password",
    required: true,
  });
  // Only a path on this site: never an address elsewhere ("//host" or "https://...").
  const next = /^\/(?!\/)/.test(params.get("next") ?? "") ? params.get("next") : null;
  replace(
    main,
    h(
      "form",
      { method: "post", action: "/login", className: "login" },
      h("h2", { text: "This dashboard needs a token" }),
      refusal(params) !== null &&
        h("p", { className: "error", role: "alert", text: refusal(params) as string }),
      h("label", { for: "token", text: "Token" }),
      token,
      next !== null && h("input", { type: "hidden", name: "next", value: next }),
      h("button", { type: "submit", className: "primary", text: "Log in" }),
    ),
  );
  token.focus();
}

/** Why the server sent this page back, if it did: a wrong token (401, or `?error`), or too many. */
function refusal(params: URLSearchParams): string | null {
  const error = params.get("error");
  if (error === "throttled") {
    return "Too many wrong tokens from this address: wait a minute before trying again.";
  }
  const [navigation] = performance.getEntriesByType("navigation") as (PerformanceEntry & {
    responseStatus?: number;
  })[];
  return navigation?.responseStatus === 401 || error !== null
    ? "That token is not the right one."
    : null;
}
