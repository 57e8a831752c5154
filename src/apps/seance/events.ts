/**
 * The Séance's events: `SUMMON_RITUAL -> SPIRIT_APPEARED -> ANSWER_GENERATED -> OMEN_REVEALED`.
 * Each stage passes on what it was given and adds its part, so the last organ can tell the story.
 */
import type { Event } from "../../core/event.js";

/** The sitter's request: whom to call, what to ask, and the seed every stage draws from. */
export type SummonRitual = {
  readonly spirit: string;
  readonly question: string;
  /** An unsigned 32-bit integer: the same seed (and names) always tells the same story. */
  readonly seed: number;
};

/** The spirit came: how it showed itself. */
export type SpiritAppeared = SummonRitual & { readonly sign: string };

/** What the spirit said. */
export type AnswerGenerated = SpiritAppeared & { readonly answer: string };

/** The omen read from the answer. */
export type OmenRevealed = AnswerGenerated & {
  readonly omen: string;
  readonly meaning: string;
};

export type SummonRitualEvent = Event<"SUMMON_RITUAL", SummonRitual>;
export type SpiritAppearedEvent = Event<"SPIRIT_APPEARED", SpiritAppeared>;
export type AnswerGeneratedEvent = Event<"ANSWER_GENERATED", AnswerGenerated>;
export type OmenRevealedEvent = Event<"OMEN_REVEALED", OmenRevealed>;
