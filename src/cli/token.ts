// Prints an access token signed with the development key: `npm run --silent token -- alice`.
// Options: --resource-owner <org> (default: none, so the service's DEFAULT_RESOURCE_OWNER
// applies), --ttl <seconds> (default 3600).
import { parseArgs } from 'node:util';
import { loadOrCreateDevKey, mintDevToken } from '../auth/dev-keys.js';
import { ConfigError, loadConfig } from '../config/config.js';

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'resource-owner': { type: 'string' },
      ttl: { type: 'string', default: '3600' },
    },
  });
  const [subject] = positionals;
  const ttlSeconds = Number(values.ttl);
  if (
    subject === undefined ||
    subject.trim() === '' ||
    !Number.isInteger(ttlSeconds) ||
    ttlSeconds <= 0
  ) {
    console.error(
      'usage: npm run --silent token -- <subject> [--resource-owner <org>] [--ttl <seconds>]',
    );
    process.exit(2);
  }
  const config = loadConfig(process.env);
  if (config.auth.mode !== 'development') {
    console.error(
      'AUTH_* settings are given, so the service verifies tokens of your identity provider, not development tokens.',
    );
    process.exit(2);
  }
  const key = loadOrCreateDevKey(config.auth.dataDir);
  console.log(
    mintDevToken(key, {
      subject,
      resourceOwner: values['resource-owner'],
      resourceOwnerClaim: config.auth.resourceOwnerClaim,
      audience: config.auth.audience,
      ttlSeconds,
    }),
  );
}

try {
  main();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
