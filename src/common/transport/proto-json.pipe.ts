import { type DescMessage, fromJson, type JsonValue, type MessageShape } from '@bufbuild/protobuf';
import { type PipeTransform } from '@nestjs/common';
import { goFieldName, InvalidArgumentError } from '../errors/app-error.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a REST body by the protobuf JSON mapping (https://protobuf.dev/programming-guides/json/):
 * lowerCamelCase and proto names, enums by name or number, unknown fields ignored. Runs as a
 * pipe, so after the guard: the token is checked before the body is looked at. The body arrives
 * raw (see main.ts), so malformed JSON is also reported here, in the Status envelope.
 */
export class ProtoJsonPipe<Desc extends DescMessage> implements PipeTransform<
  unknown,
  MessageShape<Desc>
> {
  constructor(private readonly schema: Desc) {}

  transform(body: unknown): MessageShape<Desc> {
    const json = this.parse(body);
    this.checkEnumNames(json);
    try {
      return fromJson(this.schema, json, { ignoreUnknownFields: true });
    } catch (error) {
      throw this.invalid(error instanceof Error ? error.message : String(error));
    }
  }

  private parse(body: unknown): JsonValue {
    if (body === undefined || body === null) return {};
    if (!Buffer.isBuffer(body)) return body as JsonValue;
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
    return json as JsonValue;
  }

  /**
   * With unknown fields ignored, @bufbuild/protobuf (like Go's protojson) also drops enum names it
   * does not know, silently storing the zero value; a misspelt enum name is rejected instead.
   */
  private checkEnumNames(json: JsonValue): void {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return;
    for (const field of this.schema.fields) {
      if (field.fieldKind !== 'enum') continue;
      const value = json[field.jsonName] ?? json[field.name];
      if (typeof value === 'string' && !field.enum.values.some((v) => v.name === value)) {
        const description = 'value must be one of the defined enum values';
        throw new InvalidArgumentError(
          `invalid ${this.schema.name}.${goFieldName(field.name)}: ${description}`,
          [{ field: field.name, description }],
        );
      }
    }
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
    return new InvalidArgumentError(`invalid ${this.schema.name}.${field}: ${description}`, [
      { field, description },
    ]);
  }
}
