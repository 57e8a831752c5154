/** How a séance is told: the printed lines, and names placed in sentences. */
import type { OmenRevealed } from "./events.js";

/** "the Ancient One" -> "The Ancient One", for a name that starts a sentence. */
export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Puts `spirit` in place of each `{spirit}` in `template`, capitalised where a sentence starts. */
export function fillSpirit(template: string, spirit: string): string {
  return template.replace(/\{spirit\}/g, (_, offset: number) =>
    offset === 0 || /[.!?]\s+$/.test(template.slice(0, offset)) ? capitalise(spirit) : spirit,
  );
}

/** The story of a séance, one string per line. */
export function tellSeance(seance: OmenRevealed): string[] {
  return [
    `🕯️  The circle is drawn. You call upon ${seance.spirit}...`,
    `👻 ${seance.sign}`,
    `❓ You ask: "${seance.question}"`,
    `💬 ${capitalise(seance.spirit)} answers: "${seance.answer}"`,
    `🔮 The omen is ${seance.omen}: ${seance.meaning}.`,
    `   (seed ${seance.seed}; the same seed tells the same séance)`,
  ];
}
