import type { DescMessage } from "@bufbuild/protobuf";
import type { WireReader } from "./wire-reader.js";
import type { LooseMessage, ZeroMessage } from "./zero-message.js";

/** Reads one occurrence of a field (its tag already read) into a message. */
export type FieldReader = (message: LooseMessage, r: WireReader, wireType: number) => void;

/** The compiled reader of one message type, as field readers use it. */
export interface MessageBodyReader {
  /** A zero message of the type. */
  readonly zero: ZeroMessage;
  /** Reads length bytes of fields into message. */
  read(message: LooseMessage, r: WireReader, length: number): void;
  /** Reads the fields of a group (delimited message) up to its end tag, which must carry fieldNo. */
  readGroup(message: LooseMessage, r: WireReader, fieldNo: number): void;
}

/** Finds the compiled reader of a message type. */
export type ReaderOf = (desc: DescMessage) => MessageBodyReader;
