package gorums

// serverInitiated is the bit that marks a sequence number as belonging to a
// call started by the accepting side of a stream (Go Gorums:
// internal/stream/message_id.go).
const serverInitiated = uint64(1) << 63

// isServerInitiated reports whether seqNo was allocated by the accepting side.
func isServerInitiated(seqNo uint64) bool {
	return seqNo&serverInitiated != 0
}
