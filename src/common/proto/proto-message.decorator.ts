import { type DescField, type DescMessage } from '@bufbuild/protobuf';

const PROTO_MESSAGE = Symbol('proto:message');

/**
 * Binds a DTO class to the protobuf message it validates (e.g. UpdateMyProfileRequestSchema): its
 * properties are the message's fields by their TypeScript (lowerCamelCase) names. Field
 * violations then name the fields by their proto names (`first_name`) and the message by its own
 * (`invalid UpdateMyProfileRequest.FirstName: …`), as protoc-gen-validate does.
 */
export function ProtoMessage(schema: DescMessage): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(PROTO_MESSAGE, schema, target);
  };
}

/** The message a DTO class is bound to, if any. */
export function protoMessageOf(dtoClass: object): DescMessage | undefined {
  return Reflect.getMetadata(PROTO_MESSAGE, dtoClass) as DescMessage | undefined;
}

/** The field of `schema` behind a DTO property, if there is one. */
export function protoFieldOf(schema: DescMessage, property: string): DescField | undefined {
  return schema.fields.find((field) => field.localName === property);
}
