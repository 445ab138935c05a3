/** Process entry: load config → createServer → listen; SIGTERM/SIGINT → graceful close. */
import { ConfigError, loadConfig } from './config/index.js';
import { AppError } from './errors/app-error.js';
import { createServer } from './server.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Gitpad cannot start.\n${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const server = await createServer(config);
  await server.listen();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.services.logger.info(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (err) => {
        server.services.logger.error('shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  if (err instanceof AppError) {
    process.stderr.write(`Gitpad cannot start: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `Gitpad failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
