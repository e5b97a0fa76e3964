import {
  type DescMessage,
  fromJson,
  type JsonObject,
  type MessageShape,
  ScalarType,
} from '@bufbuild/protobuf';
import { type PipeTransform } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
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
 * Reads and decodes a REST body by the protobuf JSON mapping
 * (https://protobuf.dev/programming-guides/json/): lowerCamelCase and proto names, enums by name
 * or number, unknown fields ignored. It takes the request (see RequestBody) and runs as a pipe,
 * after the guard: the token is checked before the body is read, and a body that is too large,
 * not JSON or of the wrong shape is answered in the Status envelope.
 */
export class ProtoJsonPipe<Desc extends DescMessage> implements PipeTransform<
  IncomingMessage,
  Promise<MessageShape<Desc>>
> {
  constructor(private readonly schema: Desc) {}

  async transform(request: IncomingMessage): Promise<MessageShape<Desc>> {
    const json = this.parse(await this.read(request));
    this.checkFields(json);
    try {
      return fromJson(this.schema, json, { ignoreUnknownFields: true });
    } catch (error) {
      throw this.invalid(error instanceof Error ? error.message : String(error));
    }
  }

  private async read(request: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    // Not destroyed on an early exit, so that the answer can still be written.
    for await (const chunk of request.iterator({ destroyOnReturn: false })) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > BODY_LIMIT_BYTES) {
        // Node discards the rest of the body once the answer is sent.
        throw new InvalidArgumentError(
          `invalid ${this.schema.name}: request body larger than ${BODY_LIMIT_BYTES} bytes`,
        );
      }
      chunks.push(buffer);
    }
    return Buffer.concat(chunks);
  }

  private parse(body: Buffer): JsonObject {
    if (body.length === 0) return {};
    let json: unknown;
    try {
      json = JSON.parse(utf8.decode(body));
    } catch {
      throw new InvalidArgumentError(`invalid ${this.schema.name}: request body is not valid JSON`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new InvalidArgumentError(
        `invalid ${this.schema.name}: request body must be a JSON object`,
      );
    }
    return json as JsonObject;
  }

  /**
   * Checks the JSON type of every string and enum field before decoding, so that each wrong field
   * gets its own violation (the decoder stops at the first) and a misspelt enum name is rejected
   * (with unknown fields ignored, the decoder, like Go's protojson, would store the zero value).
   */
  private checkFields(json: JsonObject): void {
    const violations: FieldViolation[] = [];
    for (const field of this.schema.fields) {
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
    if (first !== undefined) throw new ValidationError(this.schema.name, [first, ...rest]);
  }

  /** @bufbuild/protobuf names the field (or the enum type) it could not decode. */
  private invalid(reason: string): InvalidArgumentError {
    const fieldMatch = /cannot decode field [\w.]+\.(\w+) from JSON: (.*)$/s.exec(reason);
    const enumMatch = /cannot decode enum ([\w.]+) from JSON: (.*)$/s.exec(reason);
    const field =
      fieldMatch?.[1] ??
      this.schema.fields.find((f) => f.fieldKind === 'enum' && f.enum.typeName === enumMatch?.[1])
        ?.name;
    if (field === undefined)
      return new InvalidArgumentError(`invalid ${this.schema.name}: ${reason}`);
    const description = `value has the wrong type: ${fieldMatch?.[2] ?? enumMatch?.[2] ?? reason}`;
    return new InvalidArgumentError(
      `invalid ${this.schema.name}.${goFieldName(field)}: ${description}`,
      [{ field, description }],
    );
  }
}
