<#
.SYNOPSIS
    Runs the tests and makes the release of ccproxy into .\dist.
.DESCRIPTION
    The release itself is the Go program in .\release, which runs the same on Windows and on
    Linux CI machines: every target with the version, commit and commit time stamped in,
    Windows version resources and manifest, deterministic zips, SBOMs, WinGet manifests,
    SHA256SUMS and, with a key, Authenticode signatures. This script only runs the tests
    first and passes its parameters on. See README.md, "Releasing".
.EXAMPLE
    .\build.ps1 -Version 1.2.0
.EXAMPLE
    .\build.ps1 -Version 1.2.0 -SkipTests -- -pkcs11-module C:\HSM\pkcs11.dll -key 'pkcs11:object=ccproxy' -certs chain.pem -timestamp http://timestamp.example
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Version,
    [string]$OutDir = (Join-Path $PSScriptRoot 'dist'),
    [switch]$SkipTests,
    # Further flags of the release program, such as -url or the signing flags.
    [Parameter(ValueFromRemainingArguments = $true)][string[]]$ReleaseArgs
)

$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

if (-not $SkipTests) {
    Write-Host 'Running the tests: go test ./...'
    & go test ./...
    if ($LASTEXITCODE -ne 0) { throw "tests failed (exit $LASTEXITCODE)" }
}

& go run ./release -version $Version -out $OutDir @ReleaseArgs
if ($LASTEXITCODE -ne 0) { throw "release failed (exit $LASTEXITCODE)" }
