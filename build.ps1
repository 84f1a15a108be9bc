<#
.SYNOPSIS
    Builds, tests and packages ccproxy for Windows users.
.DESCRIPTION
    Builds windows/amd64, windows/arm64 and linux/amd64 with the version stamped in, runs the
    tests, and writes one zip per platform plus SHA256SUMS into .\dist.
.EXAMPLE
    .\build.ps1 -Version 1.2.0
.EXAMPLE
    .\build.ps1 -SkipTests
#>
[CmdletBinding()]
param(
    [string]$Version = 'dev',
    [string]$OutDir = (Join-Path $PSScriptRoot 'dist'),
    [switch]$SkipTests
)

$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

$commit = 'unknown'
try { $commit = (& git rev-parse --short HEAD 2>$null) } catch { }
if (-not $commit) { $commit = 'unknown' }
$date = (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
$ldflags = "-s -w -X main.version=$Version -X main.commit=$commit -X main.date=$date"

if (-not $SkipTests) {
    Write-Host 'Running the tests: go test ./...'
    & go test ./...
    if ($LASTEXITCODE -ne 0) { throw "tests failed (exit $LASTEXITCODE)" }
}

if (Test-Path $OutDir) { Remove-Item -Recurse -Force $OutDir }
New-Item -ItemType Directory -Path $OutDir | Out-Null

$targets = @(
    @{ GOOS = 'windows'; GOARCH = 'amd64'; Exe = 'ccproxy.exe' },
    @{ GOOS = 'windows'; GOARCH = 'arm64'; Exe = 'ccproxy.exe' },
    @{ GOOS = 'linux'; GOARCH = 'amd64'; Exe = 'ccproxy' }
)

# The manifest does not depend on the platform: make it once with the host's toolchain.
$manifest = $null
$manifestLines = & go run -ldflags $ldflags . dsc manifest 2>$null
if ($LASTEXITCODE -eq 0 -and $manifestLines) { $manifest = ($manifestLines -join "`n") + "`n" }

$savedGOOS = $env:GOOS
$savedGOARCH = $env:GOARCH
$savedCGO = $env:CGO_ENABLED
try {
    foreach ($t in $targets) {
        $name = "ccproxy-$Version-$($t.GOOS)-$($t.GOARCH)"
        $stage = Join-Path $OutDir $name
        New-Item -ItemType Directory -Path $stage | Out-Null
        $env:GOOS = $t.GOOS
        $env:GOARCH = $t.GOARCH
        $env:CGO_ENABLED = '0'
        Write-Host "Building $name"
        & go build -trimpath -ldflags $ldflags -o (Join-Path $stage $t.Exe) .
        if ($LASTEXITCODE -ne 0) { throw "build of $name failed (exit $LASTEXITCODE)" }

        # The DSC v3 resource manifest sits beside the executable, where DSC looks for it.
        if ($t.GOOS -eq 'windows' -and $manifest) {
            [IO.File]::WriteAllText((Join-Path $stage 'ccproxy.dsc.resource.json'), $manifest, (New-Object Text.UTF8Encoding $false))
        }
        Copy-Item README.md $stage
        Copy-Item -Recurse examples (Join-Path $stage 'examples')
        Compress-Archive -Path (Join-Path $stage '*') -DestinationPath "$stage.zip"
        Remove-Item -Recurse -Force $stage
    }
}
finally {
    $env:GOOS = $savedGOOS
    $env:GOARCH = $savedGOARCH
    $env:CGO_ENABLED = $savedCGO
}

$sums = Get-ChildItem $OutDir -Filter *.zip | Sort-Object Name | ForEach-Object {
    '{0}  {1}' -f (Get-FileHash -Algorithm SHA256 $_.FullName).Hash.ToLowerInvariant(), $_.Name
}
[IO.File]::WriteAllLines((Join-Path $OutDir 'SHA256SUMS'), [string[]]$sums, (New-Object Text.UTF8Encoding $false))
Write-Host "Packages and SHA256SUMS in $OutDir"
