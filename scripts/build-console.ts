import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { BUILT_CONSOLE_DIR } from '../src/api/console';

const CONSOLE_SOURCE = path.resolve(__dirname, '../console');

/**
 * Bundles the console (`console/src/main.tsx`, Preact) with esbuild into `outDir`: `index.html`, `app.js` and
 * `app.css`, with source maps. No CDN and nothing inline, so the API's content security policy holds.
 */
export async function buildConsole(outDir: string = BUILT_CONSOLE_DIR): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: { app: path.join(CONSOLE_SOURCE, 'src/main.tsx') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  await copyFile(path.join(CONSOLE_SOURCE, 'index.html'), path.join(outDir, 'index.html'));
}

if (require.main === module) {
  buildConsole().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  });
}
