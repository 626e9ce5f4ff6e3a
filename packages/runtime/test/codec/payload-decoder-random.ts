// A seeded generator of random messages of any type, for the payload
// decoder's randomized conformance tests.
import { create, type DescField, type DescMessage, type Message, ScalarType } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";

/** FeatureSet.FieldPresence.LEGACY_REQUIRED: proto2 required fields, always set. */
const legacyRequired = 3;
/** Edge values of 32-bit signed fields. */
const int32s = [0, -1, 1, 127, 128, -128, 2147483647, -2147483648, 300];
/** Edge values of 32-bit unsigned fields. */
const uint32s = [0, 1, 127, 128, 16383, 16384, 2147483648, 4294967295];
/** Edge values of 64-bit signed fields. */
const int64s = [0n, -1n, 1n, 2147483647n, 2147483648n, -2147483649n, 9223372036854775807n, -9223372036854775808n, 4294967296n];
/** Edge values of 64-bit unsigned fields. */
const uint64s = [0n, 1n, 4294967295n, 4294967296n, 9223372036854775808n, 18446744073709551615n];
/** Edge values of floating point fields. */
const doubles = [0, -0, 1, -1, 0.1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MAX_VALUE, Number.MIN_VALUE, 1e300];
/** Strings: empty, ASCII, multi-byte, a BOM, astral, long. */
const strings = ["", "a", "hello world", "é", "日本語", "\uFEFFbom", "𝄞 clef", "x".repeat(40), "é".repeat(40), "__proto__"];

/** Random values for messages, driven by rand (uniform in [0, 1)). */
export class RandomMessages {
  constructor(private readonly rand: () => number) {}

  private int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  private pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)]!;
  }

  /** A random message of desc, nesting messages at most depth levels. */
  message(desc: DescMessage, depth = 3): Message {
    const init: Record<string, unknown> = {};
    for (const member of desc.members) {
      if (this.rand() < 0.35 && !(member.kind === "field" && member.presence === legacyRequired)) continue;
      if (member.kind === "oneof") {
        const field = this.pick(member.fields);
        const value = this.singular(field, depth);
        if (value !== undefined) init[member.localName] = { case: field.localName, value };
        continue;
      }
      const value = this.fieldValue(member, depth);
      if (value !== undefined) init[member.localName] = value;
    }
    return create(desc, init);
  }

  private fieldValue(field: DescField, depth: number): unknown {
    switch (field.fieldKind) {
      case "list": {
        if (field.listKind === "message" && depth <= 0) return undefined;
        const n = this.int(5);
        const items: unknown[] = [];
        for (let i = 0; i < n; i++) {
          items.push(
            field.listKind === "message"
              ? this.message(field.message, depth - 1)
              : field.listKind === "enum"
                ? this.enumValue(field.enum.values.map((v) => v.number), field.enum.open)
                : this.scalar(field.scalar, field.longAsString),
          );
        }
        return items;
      }
      case "map": {
        if (field.mapKind === "message" && depth <= 0) return undefined;
        const n = this.int(4);
        const record: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const key = String(this.scalar(field.mapKey, false));
          record[key] =
            field.mapKind === "message"
              ? this.message(field.message, depth - 1)
              : field.mapKind === "enum"
                ? this.enumValue(field.enum.values.map((v) => v.number), field.enum.open)
                : this.scalar(field.scalar, false);
        }
        return record;
      }
      default:
        return this.singular(field, depth);
    }
  }

  private singular(field: DescField, depth: number): unknown {
    switch (field.fieldKind) {
      case "message":
        if (field.oneof === undefined && isWrapperDesc(field.message)) {
          // A singular wrapper field holds the unwrapped value.
          return this.scalar(field.message.fields[0]!.scalar!, false);
        }
        return depth > 0 ? this.message(field.message, depth - 1) : undefined;
      case "enum":
        return this.enumValue(field.enum.values.map((v) => v.number), field.enum.open);
      case "scalar":
        return this.scalar(field.scalar, field.longAsString);
      default:
        return undefined;
    }
  }

  private enumValue(known: number[], open: boolean): number {
    return open && this.rand() < 0.3 ? this.pick(int32s) : this.pick(known);
  }

  /** A random value of a scalar type. */
  scalar(type: ScalarType, longAsString: boolean): unknown {
    const big = (values: bigint[]) => {
      const v = this.rand() < 0.7 ? this.pick(values) : BigInt(this.int(1e9)) * (this.rand() < 0.5 ? -1n : 1n);
      return longAsString ? String(v) : v;
    };
    switch (type) {
      case ScalarType.DOUBLE:
        return this.rand() < 0.6 ? this.pick(doubles) : (this.rand() - 0.5) * 1e6;
      case ScalarType.FLOAT:
        return Math.fround(this.rand() < 0.6 ? this.pick(doubles.filter((d) => !Number.isFinite(d) || Math.abs(d) < 1e38)) : this.rand() * 1e4);
      case ScalarType.INT64:
      case ScalarType.SINT64:
      case ScalarType.SFIXED64:
        return big(int64s);
      case ScalarType.UINT64:
      case ScalarType.FIXED64: {
        const v = big(uint64s);
        return typeof v === "bigint" && v < 0n ? -v : typeof v === "string" && v.startsWith("-") ? v.slice(1) : v;
      }
      case ScalarType.INT32:
      case ScalarType.SINT32:
      case ScalarType.SFIXED32:
        return this.rand() < 0.7 ? this.pick(int32s) : this.int(2 ** 31) * (this.rand() < 0.5 ? -1 : 1);
      case ScalarType.UINT32:
      case ScalarType.FIXED32:
        return this.rand() < 0.7 ? this.pick(uint32s) : this.int(2 ** 32);
      case ScalarType.BOOL:
        return this.rand() < 0.5;
      case ScalarType.STRING:
        return this.pick(strings);
      case ScalarType.BYTES: {
        const n = this.pick([0, 1, 16, 200, 3000]);
        const bytes = new Uint8Array(n);
        for (let i = 0; i < n; i++) bytes[i] = this.int(256);
        return bytes;
      }
    }
  }
}
