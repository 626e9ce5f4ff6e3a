import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { safeIdentifier } from "@bufbuild/protoplugin";

/**
 * The name of the client function generated for a method: the method's
 * protobuf-es `localName` (lowerCamelCase, e.g. `ReadQC` → `readQC`), with a
 * `$` appended when that is a reserved word (`Delete` → `delete$`).
 */
export function clientFunctionName(method: DescMethod): string {
  return safeIdentifier(method.localName);
}

/** The name of the server interface generated for a service: `<Service>Server`. */
export function serverInterfaceName(service: DescService): string {
  return `${service.name}Server`;
}

/** The name of the register function generated for a service: `register<Service>Server`. */
export function registerFunctionName(service: DescService): string {
  return `register${service.name}Server`;
}

/**
 * The name a method has on the wire (`stream.Message.method`) and in
 * `Server.registerHandler`: the proto full name `pkg.Service.Method`.
 */
export function wireMethodName(method: DescMethod): string {
  return `${method.parent.typeName}.${method.name}`;
}

/**
 * Parameter names of the generated functions. A generated function body
 * refers to the service descriptor imported from `_pb`, so a service with one
 * of these names would be shadowed; validation refuses it.
 */
export const parameterNames: readonly string[] = ["ctx", "req", "opts", "srv", "impl"];
