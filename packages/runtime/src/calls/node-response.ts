/** One node's answer in a call to several nodes: a value or an error, never both. */
export interface NodeResponse<T> {
  readonly nodeID: number;
  readonly value?: T;
  readonly error?: Error;
}
