/** Errors of replay. Each extends NecroStackError. */
import { NecroStackError } from "../errors.js";

/**
 * A replay cannot go on safely: its progress on the target is not what this run expects
 * (another run of the same replay moved it on), or cannot be read. Nothing was written by the
 * step that found it. `replayId` names the replay.
 */
export class ReplayProgressError extends NecroStackError {
  readonly replayId: string;

  constructor(replayId: string, message: string) {
    super(`Replay ${replayId}: ${message}`, "ERR_REPLAY_PROGRESS");
    this.replayId = replayId;
  }
}
