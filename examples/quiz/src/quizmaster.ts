import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { type Configuration, newSystem, QuorumCallError, type ServerCtx, type System } from "@gorums/runtime";
import { type JoinReplySchema, type Score, ScoreSchema } from "./gen/quiz/quiz_pb.js";
import { ask, registerQuizmasterServer, results } from "./gen/quiz/quiz_gorums.js";
import { letter, type QuizQuestion } from "./questions.js";
import { byStanding, formatScoreboard, points } from "./scoreboard.js";

/** How a Quizmaster starts. */
export interface QuizmasterOptions {
  /** Where to listen (default "127.0.0.1:0": a free port on loopback). */
  addr?: string;
  /** Where the game's story goes, one line at a time (default: nowhere). */
  log?: (line: string) => void;
}

/** A player who joined, connected or not. */
interface Player {
  readonly id: number;
  readonly name: string;
  points: number;
  connected: boolean;
}

/** How one question went. */
export interface QuestionResult {
  readonly number: number;
  readonly question: QuizQuestion;
  /** The players asked (node IDs), in ID order. */
  readonly asked: readonly number[];
  /** Each scored player's final answer: the last valid one that arrived before the time limit. */
  readonly finalAnswers: ReadonlyMap<number, number>;
  /** Players whose stream went down during the question: not scored. */
  readonly dropped: readonly number[];
  /** Players who sent no answer before the time limit. */
  readonly silent: readonly number[];
  /** Players whose final answer was right (each got a point). */
  readonly correct: readonly number[];
  /** Answers that replaced an earlier answer of the same player. */
  readonly changes: number;
  /** The correctable's level when the time limit ended the call: every reply that arrived. */
  readonly level: number;
}

/**
 * The quizmaster: a System without known peers (`newSystem`) that serves
 * Join and tracks every player that dials it with a server of its own as a
 * client peer. Each question is one streaming quorum call over the players
 * in `clientConfig()`; each scoreboard one multicast to them. Players come
 * and go between and during questions: a question goes to whoever has
 * joined and is connected when it is asked.
 */
export class Quizmaster {
  private readonly roster = new Map<number, Player>();
  private readonly waiters = new Set<() => void>();
  private phase = "before the first question";
  private stopping = false;

  private constructor(
    private readonly system: System,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts serving: players can join from now on. */
  static async start(opts: QuizmasterOptions = {}): Promise<Quizmaster> {
    const system = await newSystem(opts.addr ?? "127.0.0.1:0");
    const qm = new Quizmaster(system, opts.log ?? (() => {}));
    system.registerService((srv) => registerQuizmasterServer(srv, { join: (ctx, req) => qm.join(ctx, req.name) }));
    await system.serve();
    void qm.watchDepartures();
    return qm;
  }

  /** The "host:port" players dial. */
  get addr(): string {
    return this.system.addr;
  }

  /** Every client peer connected now, joined or not (the System's clientConfig()). */
  clientConfig(): Configuration {
    return this.system.clientConfig();
  }

  /**
   * The players to ask now: the client peers in `clientConfig()` that have
   * joined (a client that dialed but has not said its name yet is left out).
   */
  players(): Configuration {
    const clients = this.system.clientConfig();
    return clients.remove(...clients.nodeIDs().filter((id) => !this.roster.has(id)));
  }

  /** The name a player joined with. */
  nameOf(id: number): string {
    return this.roster.get(id)?.name ?? `client ${id}`;
  }

  /** Every player who joined, best first, with `correct` set for the players in `correct`. */
  scores(correct: readonly number[] = []): Score[] {
    return [...this.roster.values()]
      .map((p) => create(ScoreSchema, { playerId: p.id, name: p.name, points: p.points, correct: correct.includes(p.id), connected: p.connected }))
      .sort(byStanding);
  }

  /** Resolves once `cond` holds (checked on every join and departure); rejects after `timeoutMs` with `what` in the message. */
  async until(cond: () => boolean, what: string, timeoutMs = 15_000, signal?: AbortSignal): Promise<void> {
    if (cond()) {
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.waiters.delete(check);
      };
      const check = () => {
        if (cond()) {
          done();
          resolve();
        }
      };
      const onAbort = () => {
        done();
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`gave up waiting for ${what} after ${timeoutMs} ms`));
      }, timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(check);
    });
  }

  /** Whether a player of this name has joined and is connected. */
  isPlaying(name: string): boolean {
    return [...this.roster.values()].some((p) => p.name === name && p.connected);
  }

  /**
   * Asks the connected players one question: a streaming quorum call with
   * the time limit as its deadline. Players may answer several times (they
   * change their mind); the call is read two ways at once, since every
   * reader of a call sees every reply:
   *
   * - as a correctable, whose level rises with every answer that arrives
   *   (first answers and changes alike). Its threshold is out of reach on
   *   purpose: the quizmaster never closes a question early, as any player
   *   may still change its mind, so the time limit ends it;
   * - through `results()`, reply by reply until the time limit ends the call.
   *   The final answer of a player is the last valid answer that arrived
   *   before the time limit. Answers sent later are dropped by the runtime
   *   (the call is over). A player whose stream goes down during the
   *   question (it left) reports an error instead: it is not scored, and the
   *   others are scored as usual.
   *
   * Every final answer that is right earns a point.
   */
  async askQuestion(number: number, q: QuizQuestion, timeLimitMs: number, signal?: AbortSignal): Promise<QuestionResult> {
    const players = this.players();
    this.phase = `during question ${number}`;
    this.log("");
    this.log(`Question ${number}: ${q.text}`);
    this.log(`  ${q.choices.map((c, i) => `${letter(i)}) ${c}`).join("   ")}`);
    const latest = new Map<number, number>();
    const dropped: number[] = [];
    let changes = 0;
    let level = 0;
    if (players.size === 0) {
      this.log("  nobody is playing: skipped");
    } else {
      this.log(`  asking ${this.names(players.nodeIDs())} (time limit ${timeLimitMs} ms)`);
      const ctx = players.context({ timeoutMs: timeLimitMs, ...(signal !== undefined ? { signal } : {}) });
      const call = ask(ctx, { number, text: q.text, choices: [...q.choices], timeLimitMs });
      const live = call.correctable(Number.POSITIVE_INFINITY);
      for await (const r of call.results()) {
        const name = this.nameOf(r.nodeID);
        if (r.error !== undefined) {
          dropped.push(r.nodeID);
          latest.delete(r.nodeID);
          this.log(`  ${name} dropped out mid-question (${r.error.message}): not scored`);
          continue;
        }
        const answer = r.value as NonNullable<typeof r.value>;
        if (answer.question !== number || answer.choice >= q.choices.length) {
          this.log(`  ${name} sent an invalid answer (question ${answer.question}, choice ${answer.choice}): ignored`);
          continue;
        }
        const before = latest.get(r.nodeID);
        latest.set(r.nodeID, answer.choice);
        if (before === undefined) {
          this.log(`  ${name} answers ${letter(answer.choice)}`);
        } else if (before === answer.choice) {
          this.log(`  ${name} sticks with ${letter(answer.choice)}`);
        } else {
          changes++;
          this.log(`  ${name} changes the answer: ${letter(before)} -> ${letter(answer.choice)}`);
        }
      }
      // results() ended: the time limit (or the signal) ended the call, so the correctable is done too.
      await live.done;
      if (signal?.aborted) {
        throw signal.reason;
      }
      level = live.get().level;
      const answered = latest.size;
      this.log(`  time is up: level ${level} (${level} ${level === 1 ? "answer" : "answers"}, ${changes} changed) from ${answered} of ${players.size} players`);
    }
    const silent = players.nodeIDs().filter((id) => !latest.has(id) && !dropped.includes(id));
    if (silent.length > 0) {
      this.log(`  no answer in time from ${this.names(silent)}`);
    }
    this.log(`  the right answer is ${letter(q.correct)}) ${q.choices[q.correct] ?? "?"}`);
    const correct: number[] = [];
    const verdicts: string[] = [];
    for (const [id, choice] of [...latest].sort(([a], [b]) => a - b)) {
      const player = this.roster.get(id);
      if (choice === q.correct) {
        correct.push(id);
        if (player !== undefined) {
          player.points++;
        }
      }
      verdicts.push(`${this.nameOf(id)} ${letter(choice)} ${choice === q.correct ? "right (+1)" : "wrong"}`);
    }
    if (verdicts.length > 0) {
      this.log(`  scored: ${verdicts.join(", ")}`);
    }
    return { number, question: q, asked: players.nodeIDs(), finalAnswers: latest, dropped, silent, correct, changes, level };
  }

  /**
   * Multicasts the scoreboard after a question to the players connected now
   * (a player who joined during the question gets it too). A player who
   * left while it was sent is reported, not fatal.
   */
  async publishResults(result: QuestionResult, final: boolean): Promise<Score[]> {
    const scores = this.scores(result.correct);
    const players = this.players();
    this.log(`${final ? "Final scoreboard" : `Scoreboard after question ${result.number}`} (multicast to ${players.size} ${players.size === 1 ? "player" : "players"}):`);
    for (const line of formatScoreboard(scores)) {
      this.log(`  ${line}`);
    }
    try {
      await results(players.context({ timeoutMs: 5000 }), { question: result.number, correctChoice: result.question.correct, scores, final });
    } catch (err) {
      if (!(err instanceof QuorumCallError)) {
        throw err;
      }
      this.log(`  could not send the scoreboard to ${this.names(err.nodeErrors.map((e) => e.nodeID))} (left)`);
    }
    this.phase = final ? "after the final scoreboard" : `after question ${result.number}`;
    return scores;
  }

  /** The winners' line: "alice wins with 4 points". */
  winners(): string {
    const scores = this.scores();
    const best = scores[0]?.points ?? 0;
    const top = scores.filter((s) => s.points === best).map((s) => s.name);
    if (top.length === 0) {
      return "nobody played";
    }
    return top.length === 1 ? `${top[0]} wins with ${points(best)}` : `${top.join(" and ")} share the win with ${points(best)}`;
  }

  /** Stops serving; connected players see their streams end. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.system.stop();
  }

  /**
   * Join: names the calling client peer. `ctx.peer.nodeID` is the ID the
   * quizmaster's InboundManager gave the caller's stream; a caller without
   * a server of its own (node ID 0) could not be asked, so it is refused. A
   * name may come back after its player left: the points are kept.
   */
  private join(ctx: ServerCtx, rawName: string): MessageInitShape<typeof JoinReplySchema> {
    const id = ctx.peer.nodeID;
    const name = rawName.trim();
    if (id === 0) {
      throw new Error("join refused: dial with a server of your own (ManagerOptions.server) so that the quizmaster can ask you");
    }
    if (name === "" || name.length > 20) {
      throw new Error("join refused: a name is 1 to 20 characters");
    }
    const already = this.roster.get(id);
    if (already !== undefined) {
      throw new Error(`join refused: you already joined as ${already.name}`);
    }
    const same = [...this.roster.values()].find((p) => p.name === name);
    if (same?.connected) {
      throw new Error(`join refused: the name ${name} is taken`);
    }
    if (same !== undefined) {
      this.roster.delete(same.id);
    }
    this.roster.set(id, { id, name, points: same?.points ?? 0, connected: true });
    const playing = this.connectedCount();
    const back = same !== undefined ? `, back with ${points(same.points)}` : "";
    this.log(`+ ${name} joined ${this.phase} as player ${id}${back} (${playing} playing)`);
    this.changed();
    return { playerId: id, players: playing };
  }

  /** Follows clientConfig(): a joined player whose stream ends has left. */
  private async watchDepartures(): Promise<void> {
    let seen = this.system.clientConfig();
    for (;;) {
      try {
        await this.system.waitForClientConfig((c) => !c.equals(seen));
      } catch {
        return; // the system stopped
      }
      const now = this.system.clientConfig();
      for (const id of seen.nodeIDs()) {
        const player = this.roster.get(id);
        if (!now.contains(id) && player !== undefined && player.connected && !this.stopping) {
          player.connected = false;
          this.log(`- ${player.name} left ${this.phase} (${this.connectedCount()} playing)`);
        }
      }
      seen = now;
      this.changed();
    }
  }

  private connectedCount(): number {
    return [...this.roster.values()].filter((p) => p.connected).length;
  }

  private names(ids: readonly number[]): string {
    return ids.map((id) => this.nameOf(id)).join(", ");
  }

  private changed(): void {
    for (const check of [...this.waiters]) {
      check();
    }
  }
}
