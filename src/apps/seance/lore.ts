/** What the spirits may show, say and portend. Plain data: the organs choose from it by seed. */

/** How a spirit makes itself known. `{spirit}` is replaced by its name. */
export const SIGNS: readonly string[] = [
  "The candle flames lean toward the window, and {spirit} draws near.",
  "Frost creeps across the mirror as {spirit} takes shape in the glass.",
  "Three slow knocks sound beneath the table: {spirit} has come.",
  "The planchette trembles, then spells a name: {spirit}.",
  "A smell of rain and old paper fills the room; {spirit} is here.",
  "The clock stops at a minute to midnight, and {spirit} steps out of the silence.",
  "Every candle gutters at once. In the dark, {spirit} clears its throat.",
  "A cold hand rests on the sitter's shoulder. {spirit} is listening.",
];

/** What a spirit answers. */
export const ANSWERS: readonly string[] = [
  "What you seek is already on its way; do not bar the door.",
  "Ask again when the moon is thinner. Some doors open only from the other side.",
  "Yes, but not in the way you imagine.",
  "No. And be glad of it.",
  "The answer sleeps in a drawer you have not opened in years.",
  "Patience. The river does not hurry, yet it reaches the sea.",
  "Someone you have forgotten has not forgotten you.",
  "Light a second candle. One is never enough for a question like that.",
  "It was decided long ago, by a coin that landed on its edge.",
  "Follow the smaller path. The grand road is crowded with ghosts.",
  "Certainly, the moment you stop asking.",
  "The cards are blurred; even the dead must guess sometimes.",
];

/** Omens, each with what it means. */
export const OMENS: readonly { readonly omen: string; readonly meaning: string }[] = [
  { omen: "a raven at the window", meaning: "news arrives before the week is out" },
  { omen: "a moth circling the flame", meaning: "a risk worth taking, if taken soon" },
  { omen: "a cracked hand mirror", meaning: "an old plan must change shape to survive" },
  { omen: "a key found in the ashes", meaning: "a locked matter opens of its own accord" },
  { omen: "an owl calling three times", meaning: "listen more than you speak for a while" },
  { omen: "a wax drip shaped like a crown", meaning: "recognition, late but sincere" },
  { omen: "a black cat that will not leave", meaning: "loyalty from an unexpected quarter" },
  { omen: "a rose that wilts at the table", meaning: "let something end so something can begin" },
  { omen: "the wind spelling a word in the dust", meaning: "the answer is in what you write down" },
];
