/** The error for a command line the CLI cannot run: it is printed and the CLI exits 2. */
import { NecroStackError } from "../core/errors.js";

/** An unknown command or flag, or a flag value the command cannot use. */
export class UsageError extends NecroStackError {
  /** What to run for help, such as `necrostack demo --help`. */
  readonly helpCommand: string;

  constructor(message: string, helpCommand: string, options?: ErrorOptions) {
    super(message, "ERR_USAGE", options);
    this.helpCommand = helpCommand;
  }
}

/** The closest of `names` to `typed` (a likely typo), if any is close enough to suggest. */
export function closest(typed: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of names) {
    const distance = editDistance(typed.toLowerCase(), name);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(1, Math.floor((best?.length ?? 0) / 3)) ? best : undefined;
}

/** "Did you mean ...?" for `typed` among `names`, with a leading space, or "". */
export function didYouMean(typed: string, names: readonly string[]): string {
  const match = closest(typed, names);
  return match === undefined ? "" : ` Did you mean "${match}"?`;
}

/** Edit distance counting a swap of two neighbouring letters as one edit ("dmeo" -> "demo"). */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (before[j - 2] as number) + 1);
      }
      current[j] = best;
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] as number;
}
