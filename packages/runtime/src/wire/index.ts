// @gorums/runtime/wire: the plumbing under the calls, for those who build on
// the wire itself (a transport of their own, a tool that reads NodeStream
// traffic). What an application uses is exported by @gorums/runtime; this
// subpath is the stream seam and the wire's own constants, as connect-es
// keeps its plumbing in @connectrpc/connect/protocol.

// The stream seam: one bidirectional NodeStream, whichever protocol carries it.
export type { BidiStream } from "./bidi-stream.js";
export type { MessageSink } from "./message-sink.js";

// Sequence numbers: calls the accepting side starts carry the high bit.
export { SERVER_INITIATED_BIT, isServerInitiated } from "./sequence.js";

// What gorums-ts peers announce beyond Go Gorums' wire (the gorums-capabilities stream header).
export { CAPABILITIES_HEADER, CANCEL_CAPABILITY, SHARED_LINK_CAPABILITY } from "./capabilities.js";

// How a call's end reaches the serving side: the message metadata entries of a deadline and a cancel.
export { CANCEL_ENTRY, TIMEOUT_ENTRY } from "./call-end.js";
