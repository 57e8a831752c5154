/** SPIRIT_APPEARED -> ANSWER_GENERATED: the question is put to the spirit, and it answers. */
import { Event } from "../../../core/event.js";
import { Organ } from "../../../core/organ.js";
import type { AnswerGeneratedEvent, SpiritAppearedEvent } from "../events.js";
import { pick } from "../fortune.js";
import { ANSWERS } from "../lore.js";

export class ConsultSpirit extends Organ<SpiritAppearedEvent> {
  readonly listensTo = ["SPIRIT_APPEARED"] as const;

  handle(event: SpiritAppearedEvent): AnswerGeneratedEvent {
    const answer = pick(ANSWERS, event.payload.seed, "answer");
    return new Event("ANSWER_GENERATED", { ...event.payload, answer });
  }
}
