/**
 * `npm run backup -- <dir>`: a consistent backup of a running (or stopped) Gitpad into `<dir>`,
 * a missing or empty directory. DATA_DIR, REPOS_DIR and MONGODB_URL are read as the server reads
 * them. How it stays consistent without stopping the server: scripts/backups/snapshot.ts.
 */
import { ConfigError, loadConfig } from '../server/src/config/index.js';
import { createBackup } from './backups/snapshot.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.length !== 1 || args[0]!.startsWith('-')) {
    process.stderr.write('Usage: npm run backup -- <dir>   (a new or empty directory)\n');
    process.exit(2);
  }
  const config = loadConfig();
  const manifest = await createBackup({
    dataDir: config.dataDir,
    reposDir: config.reposDir,
    target: args[0]!,
    store: config.mongodbUrl ? 'mongo' : 'embedded',
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(
    `Backed up ${manifest.repos.length} repos and the ${manifest.store} store into ${args[0]}.\n`,
  );
}

main().catch((err) => {
  process.stderr.write(
    err instanceof ConfigError ? `${err.message}\n` : `Backup failed: ${(err as Error).message ?? err}\n`,
  );
  process.exit(1);
});
