import type { DescMethod } from "@bufbuild/protobuf";

/** The method's name on the wire: "pkg.Service.Method". */
export function methodName(method: DescMethod): string {
  return `${method.parent.typeName}.${method.name}`;
}
