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
  const json = parseObject(schema, body);
  checkFields(schema, json);
  try {
    return fromJson(schema, json, { ignoreUnknownFields: true });
  } catch (error) {
    throw invalid(schema, error instanceof Error ? error.message : String(error));
  }
}

function parseObject(schema: DescMessage, body: Buffer): JsonObject {
  if (body.length === 0) return {};
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(body));
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
function checkFields(schema: DescMessage, json: JsonObject): void {
  const violations: FieldViolation[] = [];
  for (const field of schema.fields) {
    const keys = [...new Set([field.jsonName, field.name])].filter((key) => key in json);
    if (keys.length > 1) {
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
          : typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= 2 ** 31;
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
