/**
 * `npm run restore -- <dir> [--force]`: brings a backup made by `npm run backup` back into
 * DATA_DIR and REPOS_DIR (read as the server reads them). Stop the server first. Both directories
 * must be missing or empty; `--force` empties them first.
 */
import { ConfigError, loadConfig } from '../server/src/config/index.js';
import { restoreBackup } from './backups/restore.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const dirs = args.filter((a) => a !== '--force');
  if (dirs.length !== 1 || dirs[0]!.startsWith('-')) {
    process.stderr.write('Usage: npm run restore -- <dir> [--force]\n');
    process.exit(2);
  }
  const config = loadConfig();
  const manifest = await restoreBackup({
    source: dirs[0]!,
    dataDir: config.dataDir,
    reposDir: config.reposDir,
    store: config.mongodbUrl ? 'mongo' : 'embedded',
    force,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(
    `Restored ${manifest.repos.length} repos and the ${manifest.store} store from the backup started ${manifest.startedAt}.\n`,
  );
}

main().catch((err) => {
  process.stderr.write(
    err instanceof ConfigError ? `${err.message}\n` : `Restore failed: ${(err as Error).message ?? err}\n`,
  );
  process.exit(1);
});
