/** A node's reply in a call to several nodes. */
export interface NodeValue<T> {
  readonly nodeID: number;
  /** The node's reply. */
  readonly value: T;
  readonly error?: undefined;
}

/** A node's failure in a call to several nodes. */
export interface NodeFailure {
  readonly nodeID: number;
  readonly value?: undefined;
  /** Why the node gave no reply. */
  readonly error: Error;
}

/**
 * One node's answer in a call to several nodes: a value or an error, never
 * both. `r.error === undefined` narrows it to a `NodeValue`.
 */
export type NodeResponse<T> = NodeValue<T> | NodeFailure;
