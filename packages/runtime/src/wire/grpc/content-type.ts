/** The content type we send; we accept it and `application/grpc+proto`. */
export const GRPC_CONTENT_TYPE = "application/grpc";

/** True for `application/grpc` and `application/grpc+proto` (any case, parameters allowed). */
export function isGrpcProtoContentType(value: string | undefined): boolean {
  if (value === undefined) {
    return false;
  }
  const semi = value.indexOf(";");
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  return type === "application/grpc" || type === "application/grpc+proto";
}
