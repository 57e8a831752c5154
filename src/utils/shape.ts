/** How a value is described in an error message when it is not what was expected. */
export function shapeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)
      ?.constructor?.name;
    return name && name !== "Object" ? `a ${name} instance` : "a plain object";
  }
  return `a ${typeof value} (${String(value)})`;
}
