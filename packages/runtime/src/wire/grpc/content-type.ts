/** The content type we send; we accept it and `application/grpc+proto`. */
export const GRPC_CONTENT_TYPE = "application/grpc";

/** A content type without its parameters, trimmed and lower-cased (undefined stays undefined). */
export function mediaType(value: string | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  const semi = value.indexOf(";");
  return (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
}

/** True for `application/grpc` and `application/grpc+proto` (any case, parameters allowed). */
export function isGrpcProtoContentType(value: string | undefined): boolean {
  const type = mediaType(value);
  return type === "application/grpc" || type === "application/grpc+proto";
}
