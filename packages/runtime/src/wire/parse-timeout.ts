/**
 * Parses a grpc-timeout header ("100m", "5S", …) into milliseconds;
 * undefined when absent or malformed. Shared by the protocols: the
 * `gorums-timeout` message entry uses the same syntax.
 */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const m = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (m === null) {
    return undefined;
  }
  const n = Number(m[1]);
  switch (m[2]) {
    case "H":
      return n * 3_600_000;
    case "M":
      return n * 60_000;
    case "S":
      return n * 1000;
    case "m":
      return n;
    case "u":
      return n / 1000;
    default:
      return n / 1_000_000;
  }
}
