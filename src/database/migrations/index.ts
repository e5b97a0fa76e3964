import { CreateProfiles1764316800000 } from './1764316800000-create-profiles.js';

/** Every migration, oldest first. A new one is generated with `npm run migration:generate`. */
export const MIGRATIONS = [CreateProfiles1764316800000];
