import type { Score } from "./gen/quiz/quiz_pb.js";

/** What a scoreboard row needs. */
export type ScoreRow = Pick<Score, "playerId" | "name" | "points" | "connected">;

/** Best first: most points, then the earlier joiner (lower player ID). */
export function byStanding(a: ScoreRow, b: ScoreRow): number {
  return b.points - a.points || a.playerId - b.playerId;
}

/** A player's place: 1 + the number of players with more points (ties share a place). */
export function placeOf(scores: readonly ScoreRow[], playerId: number): number {
  const me = scores.find((s) => s.playerId === playerId);
  return me === undefined ? 0 : 1 + scores.filter((s) => s.points > me.points).length;
}

/** "1 point", "3 points". */
export function points(n: number): string {
  return `${n} ${n === 1 ? "point" : "points"}`;
}

/** "1st", "2nd", "3rd", "4th", … */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}

/** One line per player, best first: "1. alice    3 points". */
export function formatScoreboard(scores: readonly ScoreRow[]): string[] {
  const sorted = [...scores].sort(byStanding);
  const width = Math.max(0, ...sorted.map((s) => s.name.length));
  return sorted.map((s) => `${placeOf(sorted, s.playerId)}. ${s.name.padEnd(width)}  ${points(s.points)}${s.connected ? "" : " (left)"}`);
}
