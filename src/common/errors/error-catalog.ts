import { AppError } from './app-error.js';
import { type GrpcCode } from './grpc-code.js';

/** One error a feature answers with a ZITADEL-style id. */
export interface ErrorSpec {
  /** e.g. `COMMAND-2M0fs`; the Status message is `<message> (<id>)`. */
  readonly id: string;
  readonly code: GrpcCode;
  readonly message: string;
  /** When it is answered, in a few words (docs/errors.md has a row for it). */
  readonly when: string;
}

export interface CatalogEntry extends ErrorSpec {
  readonly feature: string;
}

const catalog = new Map<string, CatalogEntry>();

/**
 * A feature's table of errors (`src/<feature>/<feature>.errors.ts`). Every table defined is kept
 * in one catalog, which docs/errors.md is checked against; an id defined twice is a programming
 * error.
 */
export function defineErrors<const T extends Record<string, ErrorSpec>>(
  feature: string,
  table: T,
): T {
  for (const spec of Object.values(table)) {
    const known = catalog.get(spec.id);
    if (known !== undefined && known.feature !== feature) {
      throw new Error(`error id ${spec.id} is defined by ${known.feature} and ${feature}`);
    }
    catalog.set(spec.id, { ...spec, feature });
  }
  return table;
}

/** Every error of every feature whose table has been loaded. */
export function errorCatalog(): readonly CatalogEntry[] {
  return [...catalog.values()];
}

/** An error of a feature's table: its code, id and message, with no transport in sight. */
export class DomainError extends AppError {
  readonly code: GrpcCode;

  constructor(spec: ErrorSpec, cause?: unknown) {
    super(spec.message, { id: spec.id, cause });
    this.code = spec.code;
  }
}
