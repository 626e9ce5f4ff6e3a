/**
 * A hand-made HTTP/2 client over a bare TCP socket, for hostile-input tests:
 * it writes frames byte by byte as told (no flow control, no limits, no
 * validation) and parses the server's frames without decoding their header
 * blocks. Header blocks it sends use HPACK literals without indexing (no
 * Huffman), so any header name and value can be sent.
 */
import * as net from "node:net";

/** The client connection preface. */
export const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** HTTP/2 frame types. */
export const FrameType = { DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;
/** HTTP/2 frame flags. */
export const Flag = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 } as const;
/** HTTP/2 error codes used here. */
export const H2Error = {
  NO_ERROR: 0,
  PROTOCOL_ERROR: 1,
  INTERNAL_ERROR: 2,
  FLOW_CONTROL_ERROR: 3,
  FRAME_SIZE_ERROR: 6,
  REFUSED_STREAM: 7,
  CANCEL: 8,
  COMPRESSION_ERROR: 9,
  ENHANCE_YOUR_CALM: 11,
} as const;

/** One parsed frame. */
export interface H2Frame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

/** One frame's bytes. */
export function frame(type: number, flags: number, streamId: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.byteLength, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** A SETTINGS frame (identifier, value pairs), or its ACK. */
export function settings(entries: Array<[number, number]> = [], ack = false): Buffer {
  const payload = Buffer.alloc(entries.length * 6);
  entries.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, i * 6);
    payload.writeUInt32BE(value, i * 6 + 2);
  });
  return frame(FrameType.SETTINGS, ack ? Flag.ACK : 0, 0, payload);
}

/** An HPACK integer with an `prefixBits`-bit prefix whose high bits are `first`. */
function hpackInt(value: number, prefixBits: number, first: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    return [first | value];
  }
  const out = [first | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

/** A header block of literals without indexing, new names, no Huffman. */
export function headerBlock(headers: ReadonlyArray<readonly [string, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of headers) {
    const n = Buffer.from(name, "latin1");
    const v = Buffer.from(value, "latin1");
    parts.push(Buffer.from([0x00, ...hpackInt(n.byteLength, 7, 0)]), n, Buffer.from(hpackInt(v.byteLength, 7, 0)), v);
  }
  return Buffer.concat(parts);
}

/** The request headers of a gRPC NodeStream, with `extra` appended. */
export function nodeStreamHeaders(extra: ReadonlyArray<readonly [string, string]> = [], contentType = "application/grpc"): Array<readonly [string, string]> {
  return [
    [":method", "POST"],
    [":scheme", "http"],
    [":path", "/stream.Gorums/NodeStream"],
    [":authority", "localhost"],
    ["content-type", contentType],
    ["te", "trailers"],
    ...extra,
  ];
}

/** A HEADERS frame opening `streamId` with `headers` (END_HEADERS; END_STREAM when `end`). */
export function headersFrame(streamId: number, headers: ReadonlyArray<readonly [string, string]>, end = false): Buffer {
  return frame(FrameType.HEADERS, Flag.END_HEADERS | (end ? Flag.END_STREAM : 0), streamId, headerBlock(headers));
}

/** A DATA frame. */
export function dataFrame(streamId: number, data: Uint8Array, end = false): Buffer {
  return frame(FrameType.DATA, end ? Flag.END_STREAM : 0, streamId, data);
}

/** A raw HTTP/2 connection. */
export interface RawH2 {
  readonly socket: net.Socket;
  /** Frames received so far. */
  readonly frames: H2Frame[];
  /** Writes bytes as they are. */
  write(bytes: Uint8Array): void;
  /** Resolves when a frame matching `match` has arrived (or rejects after `timeoutMs`, or when the connection closes first). */
  waitFor(match: (f: H2Frame) => boolean, timeoutMs?: number): Promise<H2Frame>;
  /** Resolves when the server closed the connection. */
  readonly closed: Promise<void>;
  destroy(): void;
}

/**
 * Opens a TCP connection to `addr` and parses what the server sends. With
 * `handshake` (default), sends the preface and an empty SETTINGS frame
 * first; `ackSettings` (default true) acknowledges the server's SETTINGS.
 */
export async function rawH2(addr: string, opts: { handshake?: boolean; ackSettings?: boolean } = {}): Promise<RawH2> {
  const colon = addr.lastIndexOf(":");
  const socket = net.connect({ host: addr.slice(0, colon), port: Number(addr.slice(colon + 1)) });
  socket.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const frames: H2Frame[] = [];
  const watchers = new Set<() => void>();
  let pending: Buffer = Buffer.alloc(0);
  let isClosed = false;
  const closed = new Promise<void>((resolve) =>
    socket.once("close", () => {
      isClosed = true;
      for (const w of watchers) {
        w();
      }
      resolve();
    }),
  );
  const ack = opts.ackSettings ?? true;
  socket.on("data", (chunk: Buffer) => {
    pending = pending.byteLength === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.byteLength >= 9) {
      const len = pending.readUIntBE(0, 3);
      if (pending.byteLength < 9 + len) {
        break;
      }
      const f: H2Frame = { type: pending[3] as number, flags: pending[4] as number, streamId: pending.readUInt32BE(5) & 0x7fffffff, payload: pending.subarray(9, 9 + len) };
      pending = pending.subarray(9 + len);
      frames.push(f);
      if (ack && f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0 && !socket.destroyed) {
        socket.write(settings([], true));
      }
    }
    for (const w of watchers) {
      w();
    }
  });
  if (opts.handshake ?? true) {
    socket.write(Buffer.concat([PREFACE, settings()]));
  }
  return {
    socket,
    frames,
    write: (bytes) => {
      if (!socket.destroyed) {
        socket.write(bytes);
      }
    },
    waitFor(match, timeoutMs = 5000) {
      return new Promise<H2Frame>((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < frames.length; seen++) {
            const f = frames[seen] as H2Frame;
            if (match(f)) {
              done();
              resolve(f);
              return;
            }
          }
          if (isClosed) {
            done();
            reject(new Error("connection closed before the frame arrived"));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no such frame within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          watchers.delete(check);
        };
        watchers.add(check);
        check();
      });
    },
    closed,
    destroy: () => socket.destroy(),
  };
}

/** The error code of a RST_STREAM or GOAWAY frame. */
export function errorCodeOf(f: H2Frame): number {
  return f.type === FrameType.GOAWAY ? f.payload.readUInt32BE(4) : f.payload.readUInt32BE(0);
}
