// `npm start`: builds what is missing (Nx skips what is up to date), then runs the whole system on
// this machine in the foreground with a live summary (deploy/dev/src/demo). Ctrl-C stops it all.
// npm puts node_modules/.bin first on PATH, so `node` here is the project's Node 24.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const t0 = Date.now();
process.stderr.write('drover: building what is missing (npx nx run-many -t build)...\n');
const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static'], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false' },
});
if (build.status !== 0) {
  process.stderr.write('drover: the build failed; run `npm run build` to see why\n');
  process.exit(1);
}
process.stderr.write(`drover: built in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
// Ctrl-C reaches every process of the terminal's foreground group: the demo handles it (stops
// everything, then exits); this wrapper only waits for it.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
const demo = spawn(
  process.execPath,
  ['--disable-warning=TimeoutNegativeWarning', 'deploy/dev/dist/demo/cli.js', 'start'],
  { cwd: root, stdio: 'inherit' },
);
demo.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 130)));
