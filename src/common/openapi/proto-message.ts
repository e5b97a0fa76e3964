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

/** Request messages whose JSON also takes the proto names, by component name. */
const requestMessages = new Map<string, DescMessage>();

/** The component of a REST answer: the protobuf JSON mapping of `message` (lowerCamelCase only). */
export function ApiResponseMessage(message: DescMessage, description?: string): ClassDecorator {
  return ApiSchema({
    name: message.typeName,
    ...(description === undefined ? {} : { description }),
  });
}

/**
 * The component of a REST request body: `message` in the protobuf JSON mapping, which also
 * accepts each field by its proto name (`first_name` for `firstName`), but not both. Once the
 * document is made, `describeRequestMessages` lists the proto names beside the lowerCamelCase ones
 * and gives the schema an example made of the lowerCamelCase properties' examples, which Swagger
 * UI's "Try it out" sends as it is.
 */
export function ApiRequestMessage(message: DescMessage, description?: string): ClassDecorator {
  requestMessages.set(message.typeName, message);
  return ApiResponseMessage(message, description);
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
 * Completes the request components of the document (in place): the proto name of every field
 * whose JSON name differs (with the same schema), a rule that at most one of the two is given (one
 * exactly, for a required field), and the example.
 */
export function describeRequestMessages(document: OpenAPIObject): OpenAPIObject {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Schema>;
  for (const [name, message] of requestMessages) {
    const schema = schemas[name];
    if (schema === undefined || '$ref' in schema) continue;
    schema.example = exampleOf(schema, schemas);
    const properties = schema.properties ?? {};
    const required = new Set(schema.required ?? []);
    const rules: SchemaObject[] = [];
    const withProtoNames: Record<string, Schema> = {};
    for (const [key, property] of Object.entries(properties)) {
      withProtoNames[key] = property;
      const field = message.fields.find((f) => f.jsonName === key);
      if (field === undefined || field.name === key || '$ref' in property) continue;
      const either = `either \`${key}\` or \`${field.name}\` may be given, not both`;
      withProtoNames[key] = { ...property, description: join(property.description, either) };
      withProtoNames[field.name] = {
        ...property,
        description: join(`the proto name of \`${key}\``, property.description, either),
      };
      if (required.delete(key)) {
        rules.push({ oneOf: [{ required: [key] }, { required: [field.name] }] });
      } else {
        rules.push({ not: { required: [key, field.name] } });
      }
    }
    schema.properties = withProtoNames;
    if (required.size > 0) schema.required = [...required];
    else delete schema.required;
    if (rules.length > 0) schema.allOf = [...(schema.allOf ?? []), ...rules];
  }
  return document;
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
