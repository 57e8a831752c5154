/** SUMMON_RITUAL -> SPIRIT_APPEARED: the spirit answers the call and shows a sign. */
import { Event } from "../../../core/event.js";
import { Organ } from "../../../core/organ.js";
import type { SpiritAppearedEvent, SummonRitualEvent } from "../events.js";
import { pick } from "../fortune.js";
import { SIGNS } from "../lore.js";
import { fillSpirit } from "../story.js";

export class SummonSpirit extends Organ<SummonRitualEvent> {
  readonly listensTo = ["SUMMON_RITUAL"] as const;

  handle(event: SummonRitualEvent): SpiritAppearedEvent {
    const ritual = event.payload;
    const sign = fillSpirit(pick(SIGNS, ritual.seed, "sign"), ritual.spirit);
    return new Event("SPIRIT_APPEARED", { ...ritual, sign });
  }
}
