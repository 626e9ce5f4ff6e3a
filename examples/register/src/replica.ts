// A replica of the register: one timestamped value, served to Read and
// Write quorum calls. A Write with a newer timestamp replaces the value (on
// stable storage first, when the replica has a state file); any other Write
// changes nothing. A replica never calls another one: the clients run the
// algorithm (abd-client.ts).
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ServerCtx } from "@gorums/runtime";
import type { RegisterServer } from "./gen/register/register_gorums.js";
import type { ReadResponseSchema, WriteRequest, WriteResponseSchema } from "./gen/register/register_pb.js";
import type { StateFile, StoredValue } from "./state-file.js";
import { compareTimestamps, ZERO_TIMESTAMP } from "./timestamp.js";

/** A replica's handlers and state. */
export class RegisterReplica implements RegisterServer {
  private current: StoredValue;
  /** Writes that replaced the value. */
  updates = 0;

  /** A replica starting from what `storage` holds (or from "" in memory only). */
  constructor(private readonly storage?: StateFile) {
    this.current = storage?.load() ?? { ts: ZERO_TIMESTAMP, value: "" };
  }

  /** The value and its timestamp. */
  get value(): StoredValue {
    return this.current;
  }

  /** Read: the value and its timestamp. */
  read(): MessageInitShape<typeof ReadResponseSchema> {
    return { ts: this.current.ts, value: this.current.value };
  }

  /** Write: keeps the value if its timestamp is newer (durably, before answering). */
  write(_ctx: ServerCtx, req: WriteRequest): MessageInitShape<typeof WriteResponseSchema> {
    if (req.ts === undefined || compareTimestamps(req.ts, this.current.ts) <= 0) {
      return { new: false };
    }
    const next = { ts: req.ts, value: req.value };
    this.storage?.save(next);
    this.current = next;
    this.updates++;
    return { new: true };
  }
}
