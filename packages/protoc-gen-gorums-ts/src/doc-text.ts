import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { getComments } from "@bufbuild/protoplugin";
import type { CallType } from "./call-type.js";
import { registerFunctionName, serverInterfaceName } from "./identifiers.js";

/** One sentence per call type for the client function's doc comment. */
const clientSummary: Record<CallType, string> = {
  rpc: "Gorums rpc: a two-way call to the node of ctx.",
  unicast: "Gorums unicast: a one-way call to the node of ctx; resolves once the request is sent.",
  multicast:
    "Gorums multicast: a one-way call to every node of the configuration of ctx; resolves once the requests are sent.",
  quorumcall:
    "Gorums quorum call: a two-way call to every node of the configuration of ctx. Nothing is sent until the responses are consumed.",
  quorumcall_stream:
    "Gorums streaming quorum call: every node of the configuration of ctx may answer any number of times. Nothing is sent until the responses are consumed.",
};

/**
 * The doc comment text of a method's client function: the proto comments,
 * what the call type does, and `@generated from rpc pkg.Service.Method`.
 */
export function clientDocText(method: DescMethod, callType: CallType): string {
  return joinParagraphs(protoComments(method), clientSummary[callType], generatedFrom(method));
}

/** The doc comment text of a method in the server interface. */
export function handlerDocText(method: DescMethod): string {
  return joinParagraphs(protoComments(method), generatedFrom(method));
}

/** The doc comment text of a service's `<Service>Server` interface. */
export function serverInterfaceDocText(service: DescService): string {
  return joinParagraphs(
    `${serverInterfaceName(service)} implements service ${service.typeName}: one handler per method. ` +
      `Register it on a Server with ${registerFunctionName(service)}.`,
    protoComments(service),
    generatedFrom(service),
  );
}

/** The doc comment text of a service's `register<Service>Server` function. */
export function registerDocText(service: DescService): string {
  return joinParagraphs(
    `${registerFunctionName(service)} registers the handlers of impl for the methods of service ${service.typeName} on srv. ` +
      `impl may implement any subset of them: a method left out answers Unimplemented ` +
      `("${service.typeName}.<Method> is not implemented"), or nothing if it is one-way.`,
    generatedFrom(service),
  );
}

/**
 * Leading and trailing comments from the proto source, with the one space
 * after `//` removed from each line.
 */
function protoComments(desc: DescMethod | DescService): string {
  const { leading, trailing } = getComments(desc);
  return [leading, trailing]
    .filter((c): c is string => c !== undefined)
    .map((c) =>
      c
        .replace(/\n$/, "")
        .split("\n")
        .map((line) => (line.startsWith(" ") ? line.substring(1) : line))
        .join("\n"),
    )
    .filter((c) => c.trim().length > 0)
    .join("\n\n");
}

/** `@generated from …`, plus `@deprecated` for a deprecated method or service. */
function generatedFrom(desc: DescMethod | DescService): string {
  const deprecated = desc.deprecated || (desc.kind === "rpc" && desc.parent.deprecated);
  return `@generated from ${desc.toString()}${deprecated ? "\n@deprecated" : ""}`;
}

/** Non-empty paragraphs separated by a blank line. */
function joinParagraphs(...paragraphs: string[]): string {
  return paragraphs.filter((p) => p.length > 0).join("\n\n");
}
