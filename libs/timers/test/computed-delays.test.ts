/**
 * The rule of this library, checked over the code base: in `libs/*\/src` and `apps/*\/src` (tests
 * aside), a native `setTimeout`/`setInterval` (or `setTimeout` from `timers/promises`) may only
 * take a constant delay: a number literal or a CONSTANT_CASE name. Any delay computed at run time
 * goes through @drover/timers, which holds delays past 2^31-1 ms. `socket.setTimeout` (Node truncates
 * an idle timeout to 2^31-1 ms instead of firing at once) and `AbortSignal.timeout` are not covered.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const constantDelay = (arg: ts.Expression | undefined) =>
  arg === undefined ||
  ts.isNumericLiteral(arg) ||
  (ts.isIdentifier(arg) && /^[A-Z][A-Z0-9_]*$/.test(arg.text)) ||
  (ts.isPrefixUnaryExpression(arg) && ts.isNumericLiteral(arg.operand));

/** Native timer calls with a computed delay, as `file:line: text`. */
export function computedNativeDelays(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  // name -> index of the delay argument
  const watched = new Map<string, number>([
    ['setTimeout', 1],
    ['setInterval', 1],
  ]);
  for (const statement of sf.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    if (!/^(node:)?timers\/promises$/.test(statement.moduleSpecifier.text)) continue;
    const bindings = statement.importClause?.namedBindings;
    if (bindings === undefined || !ts.isNamedImports(bindings)) continue;
    for (const element of bindings.elements) {
      const imported = (element.propertyName ?? element.name).text;
      if (imported === 'setTimeout' || imported === 'setInterval') watched.set(element.name.text, 0);
    }
  }
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
      const at = watched.get(node.expression.text);
      if (at !== undefined && !constantDelay(node.arguments[at])) {
        const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
        found.push(`${relative(root, file)}:${line + 1}: ${node.getText().split('\n')[0]}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe('computed delays go through @drover/timers', () => {
  it('no native timer in libs/ or apps/ takes a computed delay', () => {
    const files = ['libs', 'apps'].flatMap((top) =>
      readdirSync(join(root, top))
        .map((p) => join(root, top, p, 'src'))
        .filter((src) => statSync(src, { throwIfNoEntry: false })?.isDirectory())
        // The one place native timers take computed delays: chained, at most 2^31-1 ms each.
        .filter((src) => relative(root, src) !== join('libs', 'timers', 'src'))
        .flatMap(sources),
    );
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap(computedNativeDelays)).toEqual([]);
  });

  it('catches a computed delay, through timers/promises too', () => {
    const probe = join(root, 'libs/timers/test/fixtures/computed.ts.txt');
    expect(computedNativeDelays(probe).map((l) => l.replace(/^[^:]+:/, ''))).toEqual([
      '4: setTimeout(() => {}, settings.linger_ms)',
      '5: sleep(wait)',
      '6: setInterval(tick, this.#period)',
    ]);
  });
});
