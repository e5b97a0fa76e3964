import {
  type DescMessage,
  fromJson,
  type JsonObject,
  type MessageShape,
  ScalarType,
} from '@bufbuild/protobuf';
import type { IncomingMessage } from 'node:http';
import { BodyTooLarge, readBodyUpTo } from '../transport/http-server.js';
import {
  type FieldViolation,
  goFieldName,
  InvalidArgumentError,
  ValidationError,
} from '../errors/app-error.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Largest REST request body; a profile update is well under 4 KiB. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Reads a REST body of at most BODY_LIMIT_BYTES; a larger one is INVALID_ARGUMENT (and the rest
 * of it is dropped, see readBodyUpTo).
 */
export async function readBody(request: IncomingMessage, messageName: string): Promise<Buffer> {
  try {
    return await readBodyUpTo(request, BODY_LIMIT_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLarge) {
      throw new InvalidArgumentError(
        `invalid ${messageName}: request body larger than ${BODY_LIMIT_BYTES} bytes`,
      );
    }
    throw error;
  }
}

/**
 * Decodes a REST body by the protobuf JSON mapping (https://protobuf.dev/programming-guides/json/):
 * lowerCamelCase and proto names, enums by name or number, unknown fields ignored; an empty body
 * is the empty message. A body that is not JSON, not an object, or has a field of the wrong type
 * is INVALID_ARGUMENT, with one violation per wrong field.
 */
export function decodeProtoJson<Desc extends DescMessage>(
  schema: Desc,
  body: Buffer,
): MessageShape<Desc> {
  const text = decodeUtf8(schema, body);
  const json = parseObject(schema, text);
  checkFields(schema, json, repeatedKeys(text));
  try {
    return fromJson(schema, json, { ignoreUnknownFields: true });
  } catch (error) {
    throw invalid(schema, error instanceof Error ? error.message : String(error));
  }
}

function decodeUtf8(schema: DescMessage, body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new InvalidArgumentError(`invalid ${schema.name}: request body is not valid JSON`);
  }
}

function parseObject(schema: DescMessage, text: string): JsonObject {
  if (text.length === 0) return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError(`invalid ${schema.name}: request body is not valid JSON`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InvalidArgumentError(`invalid ${schema.name}: request body must be a JSON object`);
  }
  return json as JsonObject;
}

/**
 * Checks the JSON type of every string and enum field before decoding, so that each wrong field
 * gets its own violation (the decoder stops at the first) and a misspelt enum name is rejected
 * (with unknown fields ignored, the decoder, like Go's protojson, would store the zero value).
 */
function checkFields(schema: DescMessage, json: JsonObject, repeated: ReadonlySet<string>): void {
  const violations: FieldViolation[] = [];
  for (const field of schema.fields) {
    const keys = [...new Set([field.jsonName, field.name])].filter((key) => key in json);
    if (keys.length > 1 || keys.some((key) => repeated.has(key))) {
      violations.push({ field: field.name, description: 'value is set more than once' });
      continue;
    }
    const value = keys[0] === undefined ? null : json[keys[0]];
    if (value === null || value === undefined) continue;
    if (field.fieldKind === 'scalar' && field.scalar === ScalarType.STRING) {
      if (typeof value !== 'string') {
        violations.push({ field: field.name, description: 'value must be a string' });
      }
    } else if (field.fieldKind === 'enum') {
      const known =
        typeof value === 'string'
          ? field.enum.values.some((v) => v.name === value)
          : typeof value === 'number' &&
            Number.isInteger(value) &&
            value >= -(2 ** 31) &&
            value < 2 ** 31;
      if (!known) {
        violations.push({
          field: field.name,
          description: 'value must be one of the defined enum values',
        });
      }
    }
  }
  const [first, ...rest] = violations;
  if (first !== undefined) throw new ValidationError(schema.name, [first, ...rest]);
}

/**
 * The keys that stand more than once in the top-level object of a JSON text (one JSON.parse has
 * accepted). JSON.parse keeps the last value of a repeated key without a word, where protojson
 * (grpc-gateway, ZITADEL) refuses a field given twice; no JSON parser for Node reports repeated
 * keys short of a parser of its own, so this scan follows only strings and nesting.
 */
function repeatedKeys(text: string): Set<string> {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (seen.has(key)) repeated.add(key);
        seen.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === '{' || c === '[') {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return repeated;
}

/** @bufbuild/protobuf names the field (or the enum type) it could not decode. */
function invalid(schema: DescMessage, reason: string): InvalidArgumentError {
  const fieldMatch = /cannot decode field [\w.]+\.(\w+) from JSON: (.*)$/s.exec(reason);
  const enumMatch = /cannot decode enum ([\w.]+) from JSON: (.*)$/s.exec(reason);
  const field =
    fieldMatch?.[1] ??
    schema.fields.find((f) => f.fieldKind === 'enum' && f.enum.typeName === enumMatch?.[1])?.name;
  if (field === undefined) return new InvalidArgumentError(`invalid ${schema.name}: ${reason}`);
  const description = `value has the wrong type: ${fieldMatch?.[2] ?? enumMatch?.[2] ?? reason}`;
  return new InvalidArgumentError(`invalid ${schema.name}.${goFieldName(field)}: ${description}`, [
    { field, description },
  ]);
}
