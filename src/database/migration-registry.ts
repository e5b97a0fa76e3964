import { type MigrationInterface } from 'typeorm';

export type MigrationClass = new () => MigrationInterface;

/**
 * The migrations of every feature module, gathered as the modules declare them
 * (`DatabaseModule.forFeature`), the way @nestjs/typeorm's `autoLoadEntities` gathers the
 * entities of `TypeOrmModule.forFeature`: a module's decorator runs when its file is imported,
 * before the data source is made, so a feature adds a migration without editing a list here.
 * TypeORM runs them in the order of the timestamp in their class names.
 */
const registered = new Set<MigrationClass>();

export function registerMigrations(migrations: readonly MigrationClass[]): void {
  for (const migration of migrations) registered.add(migration);
}

export function registeredMigrations(): MigrationClass[] {
  return [...registered];
}
