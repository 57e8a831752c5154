/** ANSWER_GENERATED -> OMEN_REVEALED: an omen is read in the room, and what it means. */
import { Event } from "../../../core/event.js";
import { Organ } from "../../../core/organ.js";
import type { AnswerGeneratedEvent, OmenRevealedEvent } from "../events.js";
import { pick } from "../fortune.js";
import { OMENS } from "../lore.js";

export class ReadOmen extends Organ<AnswerGeneratedEvent> {
  readonly listensTo = ["ANSWER_GENERATED"] as const;

  handle(event: AnswerGeneratedEvent): OmenRevealedEvent {
    const { omen, meaning } = pick(OMENS, event.payload.seed, "omen");
    return new Event("OMEN_REVEALED", { ...event.payload, omen, meaning });
  }
}
