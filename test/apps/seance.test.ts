import { describe, expect, it } from "vitest";
import { seedFor } from "../../src/apps/seance/fortune.js";
import {
  DEFAULT_QUESTION,
  DEFAULT_SPIRIT,
  MAX_TEXT_LENGTH,
  runSeance,
  type SeanceOptions,
} from "../../src/apps/seance/main.js";
import { fillSpirit } from "../../src/apps/seance/story.js";
import { InvalidOptionError } from "../../src/index.js";

async function seance(options: Omit<SeanceOptions, "write"> = {}) {
  const lines: string[] = [];
  const stats = await runSeance({ ...options, write: (line) => lines.push(line), logger: false });
  return { lines, stats };
}

describe("Séance", () => {
  it("tells the same séance for a given seed, stage by stage", async () => {
    const { lines } = await seance({
      spirit: "Edgar Allan Poe",
      question: "Will it rain?",
      seed: 7,
    });
    expect(lines).toEqual([
      "🕯️  The circle is drawn. You call upon Edgar Allan Poe...",
      "👻 A cold hand rests on the sitter's shoulder. Edgar Allan Poe is listening.",
      '❓ You ask: "Will it rain?"',
      '💬 Edgar Allan Poe answers: "The answer sleeps in a drawer you have not opened in years."',
      "🔮 The omen is a wax drip shaped like a crown: recognition, late but sincere.",
      "   (seed 7; the same seed tells the same séance)",
    ]);
  });

  it("passes SUMMON_RITUAL through four organs: three events emitted, none unrouted", async () => {
    const { stats } = await seance({ seed: 1 });
    expect(stats.eventsProcessed).toBe(4);
    expect(stats.eventsEmitted).toBe(3);
    expect(stats.eventsUnrouted).toBe(0);
    expect(stats.handlerErrors).toEqual({});
  });

  it("derives the seed from the spirit and the question when none is given", async () => {
    const { lines } = await seance({ question: "Is the house haunted?" });
    const seed = seedFor(DEFAULT_SPIRIT, "Is the house haunted?");
    expect(lines.at(-1)).toBe(`   (seed ${seed}; the same seed tells the same séance)`);
    expect((await seance({ question: "Is the house haunted?" })).lines).toEqual(lines);
  });

  it("uses the default spirit and question", async () => {
    const { lines } = await seance();
    expect(lines[0]).toBe(`🕯️  The circle is drawn. You call upon ${DEFAULT_SPIRIT}...`);
    expect(lines[2]).toBe(`❓ You ask: "${DEFAULT_QUESTION}"`);
  });

  it("tells different séances for different seeds", async () => {
    const stories = new Set<string>();
    for (let seed = 0; seed < 10; seed++) stories.add((await seance({ seed })).lines.join("\n"));
    expect(stories.size).toBe(10);
  });

  it("capitalises the spirit's name where it starts a sentence", () => {
    expect(fillSpirit("{spirit} knocks. {spirit} waits; then {spirit} goes.", "the Ghost")).toBe(
      "The Ghost knocks. The Ghost waits; then the Ghost goes.",
    );
  });

  it("rejects an empty spirit, naming the option", async () => {
    await expect(seance({ spirit: "  " })).rejects.toThrow(
      new InvalidOptionError(
        "spirit",
        `a non-empty string of at most ${MAX_TEXT_LENGTH} characters on one line`,
        "  ",
      ),
    );
  });

  it("rejects a question that is too long or spans lines", async () => {
    await expect(seance({ question: "?".repeat(MAX_TEXT_LENGTH + 1) })).rejects.toThrow(
      /Expected `question` to be a non-empty string of at most 200 characters on one line/,
    );
    await expect(seance({ question: "why\nnot" })).rejects.toBeInstanceOf(InvalidOptionError);
  });

  it("rejects a seed outside 0..4294967295", async () => {
    await expect(seance({ seed: -1 })).rejects.toThrow(/Expected `seed` to be an integer from 0/);
    await expect(seance({ seed: 2 ** 32 })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(seance({ seed: 1.5 })).rejects.toBeInstanceOf(InvalidOptionError);
  });
});
