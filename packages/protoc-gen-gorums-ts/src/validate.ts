import type { DescFile, DescMethod } from "@bufbuild/protobuf";
import { callTypeOptionsOf } from "./call-type.js";
import {
  clientFunctionName,
  parameterNames,
  registerFunctionName,
  serverInterfaceName,
} from "./identifiers.js";

/**
 * Everything wrong with a file for Gorums, one message per problem. Every
 * message names the file, the service and (where one is at fault) the method.
 * An empty array means the file can be generated.
 */
export function validateFile(file: DescFile): string[] {
  const problems: string[] = [];
  for (const service of file.services) {
    for (const method of service.methods) {
      problems.push(...validateMethod(method));
    }
    if (parameterNames.includes(service.name)) {
      problems.push(
        `${file.proto.name}: service ${service.typeName}: the service name "${service.name}" ` +
          `would be shadowed by a parameter of the generated functions; rename the service`,
      );
    }
  }
  problems.push(...findClashes(file));
  problems.push(...findShadowedGlobals(file));
  return problems;
}

/**
 * Globals the generated TypeScript names in type positions. A top-level
 * message with such a name would be imported under it and shadow the global.
 */
const typeGlobals: readonly string[] = ["Promise"];

/** Request or response messages whose imported type name shadows a global the generated code uses. */
function findShadowedGlobals(file: DescFile): string[] {
  const problems: string[] = [];
  for (const service of file.services) {
    for (const method of service.methods) {
      for (const message of new Set([method.input, method.output])) {
        if (message.parent === undefined && typeGlobals.includes(message.name)) {
          problems.push(
            `${methodLocation(method)}: message ${message.typeName} would shadow the global ` +
              `${message.name} type in the generated file; rename the message`,
          );
        }
      }
    }
  }
  return problems;
}

/** Call-type problems of one method: option combinations and streaming. */
function validateMethod(method: DescMethod): string[] {
  const at = methodLocation(method);
  const options = callTypeOptionsOf(method);
  const problems: string[] = [];
  if (options.length > 1) {
    const list = options.map((o) => `(gorums.${o})`).join(", ");
    problems.push(`${at}: sets several Gorums call types ${list}; a method has exactly one call type`);
  }
  switch (method.methodKind) {
    case "unary":
      break;
    case "client_streaming":
      problems.push(
        `${at}: client streaming is not supported; Gorums calls take one request ` +
          `(remove "stream" from the request type)`,
      );
      break;
    case "bidi_streaming":
      problems.push(
        `${at}: bidirectional streaming is not supported; only a quorum call may stream ` +
          `responses (remove "stream" from the request type)`,
      );
      break;
    case "server_streaming":
      if (!options.includes("quorumcall")) {
        const others = options.map((o) => `, not (gorums.${o})`).join("");
        problems.push(
          `${at}: option (gorums.quorumcall) is required for a server-streaming method${others}`,
        );
      }
      break;
  }
  return problems;
}

/** `<file>: service <pkg.Service>, method <Method>`. */
function methodLocation(method: DescMethod): string {
  const service = method.parent;
  return `${service.file.proto.name}: service ${service.typeName}, method ${method.name}`;
}

/**
 * Top-level names that two generated declarations of the output file would
 * both take: two methods with the same function name (in one service, e.g.
 * `Read` and `read`, or in two services), or a method function named like a
 * service's `<Service>Server` interface or `register<Service>Server` function.
 */
function findClashes(file: DescFile): string[] {
  const owners = new Map<string, string[]>();
  const take = (name: string, owner: string) => {
    const list = owners.get(name) ?? [];
    list.push(owner);
    owners.set(name, list);
  };
  for (const service of file.services) {
    take(serverInterfaceName(service), `the server interface of service ${service.typeName}`);
    take(registerFunctionName(service), `the register function of service ${service.typeName}`);
    for (const method of service.methods) {
      take(clientFunctionName(method), `the client function of service ${service.typeName}, method ${method.name}`);
    }
  }
  const problems: string[] = [];
  for (const [name, list] of owners) {
    if (list.length > 1) {
      problems.push(
        `${file.proto.name}: the generated name "${name}" is taken by ${joinAnd(list)}; ` +
          `rename one of them`,
      );
    }
  }
  return problems;
}

/** `a`, `a and b`, `a, b and c`. */
function joinAnd(items: string[]): string {
  if (items.length <= 1) {
    return items.join("");
  }
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
