import { loadConfig } from '../config/index.js';
import { backupSqliteDatabase } from '../store/index.js';

const USAGE = 'usage: comfyui-automa backup <file> [--data-dir <dir>]\n';

/**
 * `comfyui-automa backup <file>`: an online copy of the database of the data dir the service uses
 * (same --data-dir / AUTOMA_DATA_DIR rules), safe while the service runs. Returns the exit code.
 */
export async function runBackupCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [file, ...flags] = argv;
  if (file === '--help' || file === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (file === undefined || file.startsWith('-')) {
    process.stderr.write(USAGE);
    return 2;
  }
  const loaded = loadConfig(flags, env);
  if (loaded.kind !== 'config') {
    process.stderr.write(loaded.kind === 'invalid' ? `comfyui-automa backup: ${loaded.problems.join('; ')}\n` : USAGE);
    return 2;
  }
  try {
    const { bytes } = await backupSqliteDatabase(loaded.config.dataDir, file);
    process.stdout.write(`backed up ${loaded.config.dataDir} to ${file} (${bytes} bytes)\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`comfyui-automa backup: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
