/** The path of the one Gorums method. */
export const NODE_STREAM_PATH = "/stream.Gorums/NodeStream";
