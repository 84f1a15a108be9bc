<#
.SYNOPSIS
    Intune Remediations detection script: exit 1 when the Cloud Connector proxy settings are
    not compliant.
.DESCRIPTION
    Runs 'ccproxy test' and prints one short line. Exit 0: every check passed. Exit 1: a check
    failed, and Intune runs the remediation script (ccproxy-remediation-fix.ps1). Exit 2 or
    more: ccproxy could not run or read the settings; Intune shows the run as failed and does
    not remediate.
.NOTES
    Windows PowerShell 5.1 and PowerShell 7. Runs as SYSTEM. ccproxy.exe must be on PATH or
    in %ProgramFiles%\ccproxy\.
#>

# --- Settings: edit before uploading, the same as in ccproxy-remediation-fix.ps1 -----------
# Internal resources that must bypass the proxy (R7): host names or IP addresses.
$InternalResources = @()
# Whose Internet Options the installer checks read: '' for SYSTEM, or the SID of the
# administrator who installs the connector.
$User = ''
# -----------------------------------------------------------------------------------------

$ErrorActionPreference = 'Stop'

#region ccproxy helpers: the same in every script under examples\ (a test keeps them equal)
function Find-CCProxy {
    # Next to this script first (a copy run by hand), then PATH, then Program Files. Intune
    # runs scripts from its own cache folder and, unless told otherwise, in 32-bit
    # PowerShell, where $env:ProgramFiles is the x86 folder: $env:ProgramW6432 is not.
    $candidates = New-Object System.Collections.Generic.List[string]
    if ($PSScriptRoot) {
        $candidates.Add((Join-Path $PSScriptRoot 'ccproxy.exe'))
    }
    $onPath = Get-Command -Name 'ccproxy.exe' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($onPath) {
        $candidates.Add($onPath.Path)
    }
    foreach ($root in @($env:ProgramW6432, $env:ProgramFiles)) {
        if ($root) {
            $candidates.Add((Join-Path $root 'ccproxy\ccproxy.exe'))
        }
    }
    foreach ($candidate in $candidates) {
        if (Test-Path -LiteralPath $candidate -PathType Leaf) {
            return $candidate
        }
    }
    return $null
}

function Invoke-CCProxy {
    param(
        [Parameter(Mandatory = $true)][string]$Exe,
        [string[]]$Arguments
    )
    # Windows PowerShell 5.1 turns each stderr line of a program into an error record, and
    # with $ErrorActionPreference = 'Stop' the first one ends the script even when the
    # program succeeds. So stderr is collected apart here, and $LASTEXITCODE decides.
    $ErrorActionPreference = 'Continue'
    $PSNativeCommandUseErrorActionPreference = $false
    $out = New-Object System.Collections.Generic.List[string]
    $err = New-Object System.Collections.Generic.List[string]
    # A program that cannot start leaves $LASTEXITCODE as it was: start from a failure.
    $global:LASTEXITCODE = 9009
    & $Exe @Arguments 2>&1 | ForEach-Object {
        if ($_ -is [System.Management.Automation.ErrorRecord]) {
            $err.Add($_.ToString())
        }
        else {
            $out.Add([string]$_)
        }
    }
    $code = $LASTEXITCODE
    # ccproxy logs JSON lines with --log-format json; keep only their messages.
    $messages = foreach ($line in $err) {
        try {
            ($line | ConvertFrom-Json -ErrorAction Stop).message
        }
        catch {
            $line
        }
    }
    # ccproxy writes ASCII only (\uXXXX escapes), so no console code page can garble stdout.
    [pscustomobject]@{
        ExitCode = $code
        Stdout   = ($out -join "`n")
        Message  = (@($messages) -join '; ')
    }
}

function Write-OneLine {
    param([string]$Text)
    # Intune shows at most 2,048 characters of output, and reportedly only the last line.
    $line = ($Text -replace '\s+', ' ').Trim()
    if ($line.Length -gt 2000) {
        $line = $line.Substring(0, 1997) + '...'
    }
    Write-Output $line
}
#endregion

$exe = Find-CCProxy
if (-not $exe) {
    Write-OneLine 'error: ccproxy.exe not found next to this script, on PATH or in Program Files\ccproxy'
    exit 2
}
$arguments = @('test', '--compress', '--log-format', 'json')
if ($User) {
    $arguments += @('--user', $User)
}
foreach ($resource in $InternalResources) {
    $arguments += @('--internal', $resource)
}
$result = Invoke-CCProxy -Exe $exe -Arguments $arguments
if ($result.ExitCode -ne 0 -and $result.ExitCode -ne 1) {
    Write-OneLine ('error: ccproxy test exit {0}: {1}' -f $result.ExitCode, $result.Message)
    exit $result.ExitCode
}
$report = $result.Stdout | ConvertFrom-Json
if ($result.ExitCode -eq 0) {
    Write-OneLine ('compliant: {0} checks passed, {1} warnings, {2} not checked' -f $report.summary.pass, $report.summary.warn, $report.summary.notChecked)
    exit 0
}
$failed = @($report.findings | Where-Object { $_.status -eq 'fail' } | ForEach-Object { $_.id })
Write-OneLine ('not compliant: ' + ($failed -join ', '))
exit 1
