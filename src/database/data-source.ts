// The DataSource of the TypeORM CLI (`npm run migration:generate -- src/<feature>/migrations/<name>`):
// the same options as the application, over the built entities and migrations of every feature.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../config/config.js';
import { dataSourceOptions } from './data-source-options.js';

export default new DataSource({
  ...dataSourceOptions(loadDatabaseConfig(process.env)),
  entities: [new URL('../**/*.entity.js', import.meta.url).pathname],
  migrations: [new URL('../**/migrations/*.js', import.meta.url).pathname],
  migrationsRun: false,
});
