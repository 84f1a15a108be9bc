import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSource, decode } from './parse.mjs';

const good = {
  'function with a param block': 'function F {\n    param([string[]]$Arguments)\n    $out = & $exe @Arguments 2>&1\n}\n',
  'hashtable, array and pipeline': '$h = [ordered]@{ a = 1; b = @(1, 2) }\n$h | ConvertTo-Json -Depth 10 -Compress\n',
  'try, catch, finally and exit': 'try {\n    exit 1\n}\ncatch {\n    $_\n}\nfinally {\n    Remove-Item x\n}\n',
  'if, elseif, else': 'if ($LASTEXITCODE -eq 0) {\n    1\n}\nelseif ($LASTEXITCODE -eq 1) {\n    2\n}\nelse {\n    3\n}\n',
  'comment-based help and a here-string': "<#\n.SYNOPSIS\n    x\n#>\n$s = @'\nline\n'@\n",
  'no final newline': 'Write-Output 1',
  'static members and format operator': "$p = [System.IO.Path]::GetTempPath()\n$m = '{0} {1}' -f $a, $b\n",
};

const bad = {
  'missing closing brace': ['if ($x) {\n    1\n', /syntax error/],
  'missing closing parenthesis': ['$a = (1 + 2\n', /syntax error/],
  'unterminated string': ["$a = 'abc\n$b = 1\n", /syntax error/],
  'if without a statement block': ['if ($x) 1\n', /syntax error/],
  'null-coalescing (PowerShell 7)': ['$x = $y ?? 3\n', /syntax error/],
  'ternary (PowerShell 7)': ['$x = $a ? 1 : 2\n', /syntax error/],
  'pipeline chain (PowerShell 7)': ['ccproxy test && Write-Output ok\n', /PowerShell 7/],
};

for (const [name, source] of Object.entries(good)) {
  test(`parses: ${name}`, async () => {
    assert.deepEqual(await checkSource(source), []);
  });
}

for (const [name, [source, want]] of Object.entries(bad)) {
  test(`refuses: ${name}`, async () => {
    const problems = await checkSource(source);
    assert.ok(problems.length > 0, 'no problem reported');
    assert.match(problems[0].message, want);
    assert.ok(problems[0].line >= 1 && problems[0].column >= 1);
  });
}

test('reads the encodings PowerShell writes', () => {
  const text = "Write-Output 'x'\n";
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const bom8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
  assert.equal(decode(utf16), text);
  assert.equal(decode(bom8), text);
  assert.equal(decode(Buffer.from(text, 'utf8')), text);
});
