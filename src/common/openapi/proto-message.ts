import { type DescMessage } from '@bufbuild/protobuf';
import {
  ApiPropertyOptional,
  ApiSchema,
  type OpenAPIObject,
  type ReferenceObject,
  type SchemaObject,
} from '@nestjs/swagger';

// OpenAPI components named after the protobuf messages they describe (`zitadel.user.v1.Profile`),
// so the document reads like the proto API and a test can hold each schema to its message.

type Schema = SchemaObject | ReferenceObject;

/** The message components, by name; a request's JSON also takes the proto names. */
const messages = new Map<string, { message: DescMessage; request: boolean }>();

/** The component of a REST answer: the protobuf JSON mapping of `message` (lowerCamelCase only). */
export function ApiResponseMessage(message: DescMessage, description?: string): ClassDecorator {
  messages.set(message.typeName, { message, request: false });
  return ApiSchema({
    name: message.typeName,
    ...(description === undefined ? {} : { description }),
  });
}

/**
 * The component of a REST request body: `message` in the protobuf JSON mapping, which also
 * accepts each field by its proto name (`first_name` for `firstName`), but not both. Once the
 * document is made, `describeMessages` lists the proto names beside the lowerCamelCase ones.
 */
export function ApiRequestMessage(message: DescMessage, description?: string): ClassDecorator {
  const decorator = ApiResponseMessage(message, description);
  messages.set(message.typeName, { message, request: true });
  return decorator;
}

/**
 * An optional field that the protobuf JSON mapping takes in several JSON forms (an enum by name or
 * number, a uint64 as a string or a number), each a schema of `oneOf`.
 */
export function ApiPropertyOneOf(options: {
  oneOf: SchemaObject[];
  description: string;
  example: unknown;
}): PropertyDecorator {
  // The `type` keeps @nestjs/swagger from describing the TypeScript type (a numeric enum's numbers,
  // a bigint's int64) beside the oneOf; a declared oneOf drops it from the schema.
  return ApiPropertyOptional({ ...options, type: 'string' });
}

/**
 * Completes the message components of the document (in place). Each gets an example made of its
 * properties' examples (lowerCamelCase names only: Swagger UI shows it, and "Try it out" sends it
 * as it is; a field without an example, one the service leaves empty, stays out). A request also
 * lists the proto name of every field whose JSON name differs (with the same schema), and refuses
 * a body that gives both names of a field (or neither, for a required field).
 */
export function describeMessages(document: OpenAPIObject): OpenAPIObject {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Schema>;
  for (const [name, { message, request }] of messages) {
    const schema = schemas[name];
    if (schema === undefined || '$ref' in schema) continue;
    schema.example ??= exampleOf(schema, schemas);
    if (request) addProtoNames(schema, message);
  }
  return document;
}

function addProtoNames(schema: SchemaObject, message: DescMessage): void {
  const required = new Set(schema.required ?? []);
  // What no body may be: one keyword (`not`), so that Swagger UI, which merges an `allOf` into
  // its parent, shows it as it is.
  const refused: SchemaObject[] = [];
  const properties: Record<string, Schema> = {};
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    properties[key] = property;
    const field = message.fields.find((f) => f.jsonName === key);
    if (field === undefined || field.name === key || '$ref' in property) continue;
    const either = `either \`${key}\` or \`${field.name}\` may be given, not both`;
    properties[key] = { ...property, description: join(property.description, either) };
    properties[field.name] = {
      ...property,
      description: join(`the proto name of \`${key}\``, property.description, either),
    };
    refused.push({ description: `both ${key} and ${field.name}`, required: [key, field.name] });
    if (required.delete(key)) {
      refused.push({
        description: `neither ${key} nor ${field.name}`,
        not: { anyOf: [{ required: [key] }, { required: [field.name] }] },
      });
    }
  }
  schema.properties = properties;
  if (required.size > 0) schema.required = [...required];
  else delete schema.required;
  if (refused.length > 0) {
    schema.not = { anyOf: refused };
    schema.description = join(
      schema.description,
      'each field by its lowerCamelCase or its proto name, not both',
    );
  }
}

function join(...parts: (string | undefined)[]): string {
  return parts.filter((part) => part !== undefined && part !== '').join('; ');
}

/** The value made of the examples of a schema's properties, nested messages included. */
function exampleOf(schema: Schema, schemas: Record<string, Schema>): unknown {
  if ('$ref' in schema) {
    const target = schemas[schema.$ref.replace('#/components/schemas/', '')];
    return target === undefined ? undefined : exampleOf(target, schemas);
  }
  if (schema.example !== undefined) return schema.example;
  const [only] = schema.allOf ?? [];
  if (schema.properties === undefined) {
    return schema.allOf?.length === 1 && only !== undefined ? exampleOf(only, schemas) : undefined;
  }
  const example: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema.properties)) {
    const value = exampleOf(property, schemas);
    if (value !== undefined) example[key] = value;
  }
  return example;
}
