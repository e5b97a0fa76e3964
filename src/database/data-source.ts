// The DataSource of the TypeORM CLI (`npm run migration:generate -- src/database/migrations/<name>`):
// the same options as the application, over the built entities.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../config/config.js';
import { dataSourceOptions } from './data-source-options.js';

export default new DataSource({
  ...dataSourceOptions(loadDatabaseConfig(process.env)),
  entities: [new URL('../**/*.entity.js', import.meta.url).pathname],
  migrationsRun: false,
});
