/** OMEN_REVEALED -> printed output: tells the whole séance. The end of the chain; emits nothing. */
import { Organ } from "../../../core/organ.js";
import type { OmenRevealedEvent } from "../events.js";
import { tellSeance } from "../story.js";

export class ManifestOmen extends Organ<OmenRevealedEvent> {
  readonly listensTo = ["OMEN_REVEALED"] as const;
  readonly #write: (line: string) => void;

  /** `write` gets each line of the story, without a line break. */
  constructor(write: (line: string) => void) {
    super();
    this.#write = write;
  }

  handle(event: OmenRevealedEvent): void {
    for (const line of tellSeance(event.payload)) this.#write(line);
  }
}
