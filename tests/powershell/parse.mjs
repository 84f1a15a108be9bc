// Parses PowerShell scripts with the tree-sitter PowerShell grammar, since no PowerShell
// runs in CI. A script fails on any ERROR or MISSING node, and on syntax that only
// PowerShell 7 has (&& and ||), because the scripts must also run in Windows PowerShell 5.1.
// The grammar already refuses 7's ?? ?. ??= and the ternary operator.
//
//   node parse.mjs            every .ps1 that git tracks or would track in the repository
//   node parse.mjs FILE...    the given files
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Parser, Language } from 'web-tree-sitter';

const require = createRequire(import.meta.url);
let parser;

export async function loadParser() {
  if (!parser) {
    await Parser.init();
    const grammar = await Language.load(require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm'));
    parser = new Parser();
    parser.setLanguage(grammar);
  }
  return parser;
}

// Windows PowerShell 5.1 reads a script without a BOM in the ANSI code page; a UTF-8 BOM is
// fine, and a UTF-16 BOM means the file is UTF-16.
export function decode(bytes) {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  return new TextDecoder('utf-8').decode(bytes);
}

// checkSource returns the problems of one script, each {line, column, message}.
export async function checkSource(source) {
  const p = await loadParser();
  // A statement on the last line without a newline is reported as missing its terminator.
  const tree = p.parse(source.endsWith('\n') ? source : source + '\n');
  const problems = [];
  const lines = source.split('\n');
  const excerpt = (node) => {
    const line = (lines[node.startPosition.row] ?? '').replace(/\r$/, '').trim();
    return line.length > 80 ? line.slice(0, 77) + '...' : line;
  };
  const walk = (node) => {
    const at = { line: node.startPosition.row + 1, column: node.startPosition.column + 1 };
    if (node.isMissing) {
      problems.push({ ...at, message: `syntax error: missing ${JSON.stringify(node.type)} in: ${excerpt(node)}` });
    } else if (node.isError) {
      problems.push({ ...at, message: `syntax error at ${JSON.stringify(node.text.slice(0, 40))} in: ${excerpt(node)}` });
      return; // the errors inside it are the same mistake
    } else if (node.type === 'pipeline_chain_tail') {
      problems.push({ ...at, message: `&& and || need PowerShell 7; Windows PowerShell 5.1 cannot parse them: use if ($LASTEXITCODE -eq 0) { ... } in: ${excerpt(node)}` });
    }
    for (const child of node.children) {
      if (child) walk(child);
    }
  };
  walk(tree.rootNode);
  tree.delete();
  return problems;
}

export function repositoryScripts(root) {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', '*.ps1'], { cwd: root });
  return [...new Set(out.toString('utf8').split('\0').filter(Boolean))].sort().map((f) => path.join(root, f));
}

async function main(args) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: here }).toString('utf8').trim();
  const files = args.length > 0 ? args : repositoryScripts(root);
  if (files.length === 0) {
    console.error('powershell: no .ps1 files found');
    return 1;
  }
  let failed = 0;
  for (const file of files) {
    const problems = await checkSource(decode(readFileSync(file)));
    const name = path.relative(root, path.resolve(file));
    for (const pr of problems) {
      console.error(`${name}:${pr.line}:${pr.column}: ${pr.message}`);
    }
    if (problems.length > 0) failed++;
  }
  console.log(`powershell: ${files.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
