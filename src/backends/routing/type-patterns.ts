/**
 * Event-type patterns: `*` stands for any run of characters (none included), everything else for
 * itself. `"AUDIT_*"` matches `AUDIT_LOGIN` and `AUDIT_`, `"*"` matches every type, `"ORDER"`
 * only `ORDER`.
 */
import { InvalidOptionError } from "../../core/errors.js";

/** Whether a type matches. */
export type TypeMatcher = (eventType: string) => boolean;

/** One matcher for a list of patterns (a type matches when any pattern does). */
export function compileTypePatterns(patterns: unknown, option: string): TypeMatcher {
  if (!Array.isArray(patterns) || patterns.length === 0) {
    throw new InvalidOptionError(option, "a non-empty array of type patterns", patterns);
  }
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  for (let i = 0; i < patterns.length; i++) {
    const pattern: unknown = patterns[i];
    if (typeof pattern !== "string" || pattern === "") {
      throw new InvalidOptionError(`${option}[${i}]`, "a non-empty string", pattern);
    }
    if (pattern === "*") return () => true;
    if (!pattern.includes("*")) exact.add(pattern);
    else globs.push(globToRegExp(pattern));
  }
  if (globs.length === 0) return (eventType) => exact.has(eventType);
  return (eventType) => exact.has(eventType) || globs.some((glob) => glob.test(eventType));
}

function globToRegExp(pattern: string): RegExp {
  const parts = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join(".*")}$`, "s");
}
