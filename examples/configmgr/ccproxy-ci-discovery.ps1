<#
.SYNOPSIS
    Configuration Manager discovery script: True when the Cloud Connector proxy settings are
    compliant, False when not.
.DESCRIPTION
    For a configuration item setting of type Script, data type Boolean, with the compliance
    rule "Equals True" and "Run the specified remediation script when this setting is
    noncompliant" (ccproxy-ci-remediation.ps1). Runs 'ccproxy test', prints True or False and
    exits 0. When ccproxy cannot run or read the settings it prints nothing, writes the reason
    to stderr and exits non-zero, which Configuration Manager reports as a discovery failure.
.NOTES
    Windows PowerShell 5.1 and PowerShell 7. Runs as SYSTEM. ccproxy.exe must be on PATH or
    in %ProgramFiles%\ccproxy\.
#>

# --- Settings: edit before use, the same as in ccproxy-ci-remediation.ps1 ------------------
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
    [Console]::Error.WriteLine('ccproxy.exe not found next to this script, on PATH or in Program Files\ccproxy')
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
if ($result.ExitCode -eq 0) {
    Write-Output $true
    exit 0
}
if ($result.ExitCode -eq 1) {
    Write-Output $false
    exit 0
}
[Console]::Error.WriteLine(('ccproxy test failed (exit {0}): {1}' -f $result.ExitCode, $result.Message))
exit $result.ExitCode
