/**
 * The Séance demo: four organs on the in-memory backend,
 * `SUMMON_RITUAL -> SPIRIT_APPEARED -> ANSWER_GENERATED -> OMEN_REVEALED -> printed output`.
 * Deterministic: the same spirit, question and seed always tell the same séance.
 */
import { InMemoryBackend } from "../../backends/in-memory.js";
import { InvalidOptionError } from "../../core/errors.js";
import { Event } from "../../core/event.js";
import type { Logger } from "../../core/logging.js";
import { Spine } from "../../core/spine.js";
import type { SpineStats } from "../../core/stats.js";
import type { SummonRitualEvent } from "./events.js";
import { seedFor } from "./fortune.js";
import { ConsultSpirit } from "./organs/consult-spirit.js";
import { ManifestOmen } from "./organs/manifest-omen.js";
import { ReadOmen } from "./organs/read-omen.js";
import { SummonSpirit } from "./organs/summon-spirit.js";

export const DEFAULT_SPIRIT = "the Ancient One";
export const DEFAULT_QUESTION = "What wisdom do you bring?";
/** Longest spirit name or question accepted: a séance is a conversation, not a letter. */
export const MAX_TEXT_LENGTH = 200;

/** Options for {@link runSeance}. */
export interface SeanceOptions {
  /** Whom to call. @defaultValue {@link DEFAULT_SPIRIT} */
  spirit?: string;
  /** What to ask. @defaultValue {@link DEFAULT_QUESTION} */
  question?: string;
  /**
   * Chooses the sign, answer and omen: an unsigned 32-bit integer.
   * @defaultValue derived from `spirit` and `question`
   */
  seed?: number;
  /** Gets each line of the story, without a line break. */
  write: (line: string) => void;
  /** The Spine's logger, or `false` for none. @defaultValue JSON lines on stderr (see `SpineOptions.logger`) */
  logger?: Logger | false;
}

/** Holds the séance and resolves with the Spine's stats once the story is told. */
export async function runSeance(options: SeanceOptions): Promise<SpineStats> {
  const spirit = text("spirit", options.spirit, DEFAULT_SPIRIT);
  const question = text("question", options.question, DEFAULT_QUESTION);
  const seed = options.seed ?? seedFor(spirit, question);
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new InvalidOptionError("seed", "an integer from 0 to 4294967295", seed);
  }
  const backend = new InMemoryBackend();
  const spine = new Spine({
    organs: [
      new SummonSpirit(),
      new ConsultSpirit(),
      new ReadOmen(),
      new ManifestOmen(options.write),
    ],
    backend,
    // Any handler failure rejects the run below, so a broken séance never looks like a quiet one.
    handlerFailureMode: "store",
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const ritual: SummonRitualEvent = new Event("SUMMON_RITUAL", { spirit, question, seed });
  try {
    const stats = await spine.run(ritual);
    const [failed] = spine.failedEvents();
    if (failed !== undefined) throw failed.error;
    return stats;
  } finally {
    await backend.close();
  }
}

function text(name: string, value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  const trimmed = typeof value === "string" ? value.trim() : "";
  if (trimmed === "" || trimmed.length > MAX_TEXT_LENGTH || hasControlCharacter(trimmed)) {
    throw new InvalidOptionError(
      name,
      `a non-empty string of at most ${MAX_TEXT_LENGTH} characters on one line`,
      value,
    );
  }
  return trimmed;
}

/** Line breaks, tabs and other control characters would break the story's layout. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
