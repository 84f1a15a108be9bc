#!/usr/bin/env bash
# Parses every .ps1 in the repository with a real PowerShell grammar (tree-sitter's, run as
# WebAssembly: nothing native to build). No PowerShell runs in CI, so this is what stops a
# script with a syntax error, or with syntax Windows PowerShell 5.1 lacks, from shipping.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v npm >/dev/null 2>&1; then
  echo "powershell: installing nodejs and npm"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
npm ci --no-audit --no-fund --loglevel=error
node --test
node parse.mjs
