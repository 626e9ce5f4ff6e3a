/** One multiple-choice question of the game, with its right answer. */
export interface QuizQuestion {
  readonly text: string;
  readonly choices: readonly string[];
  /** Index of the right choice. */
  readonly correct: number;
}

/** The game's questions, asked in this order. */
export const QUESTIONS: readonly QuizQuestion[] = [
  {
    text: "A quorum call goes to 5 nodes. How many replies make a majority?",
    choices: ["2", "3", "4", "5"],
    correct: 1,
  },
  {
    text: "Which paper introduced Paxos?",
    choices: ["Viewstamped Replication", "The Byzantine Generals Problem", "The Part-Time Parliament", "In Search of an Understandable Consensus Algorithm"],
    correct: 2,
  },
  {
    text: "How many connections does a full mesh of 4 gorums-ts replicas keep?",
    choices: ["4", "6", "12", "16"],
    correct: 1,
  },
  {
    text: "Which Gorums call type never waits for a reply?",
    choices: ["quorum call", "rpc", "multicast", "correctable"],
    correct: 2,
  },
];

/** "A", "B", … for choice 0, 1, … */
export function letter(choice: number): string {
  return choice < 26 ? String.fromCharCode(65 + choice) : `#${choice}`;
}
