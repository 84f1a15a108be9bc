<#
.SYNOPSIS
    Intune Remediations remediation script: plans and applies the Cloud Connector proxy
    settings with ccproxy.
.DESCRIPTION
    Makes a plan with 'ccproxy plan': WinHTTP uses the proxy in $ProxyServer, or the manual
    proxy and bypass list of the Internet Options of $ImportFromUser (what 'netsh winhttp
    import proxy source=ie' copies), and the bypass list gets every entry of $BypassEntries.
    'ccproxy apply' then writes it: lock, backup, write, read back, roll back on any failure.
    Last, 'ccproxy test' runs again. Prints one line. Exit 0 when the plan was applied or
    there was nothing to change; the exit code of ccproxy when it could not be.
.NOTES
    Windows PowerShell 5.1 and PowerShell 7. Runs as SYSTEM, which apply needs. ccproxy.exe
    must be on PATH or in %ProgramFiles%\ccproxy\. The Cloud Connector services read WinHTTP
    when they start: restart them (or the machine) after a change.
#>

# --- Settings: edit before uploading ------------------------------------------------------
# The proxy the connector must use, such as 'proxy.corp.example:8080'. Leave it empty to
# copy it from the Internet Options of $ImportFromUser instead.
$ProxyServer = ''
# The SID of the administrator whose Internet Options hold the proxy (whoami /user). Their
# settings are readable only while they are logged on.
$ImportFromUser = ''
# Bypass entries to make sure of, keeping the others: internal resources must not go
# through the proxy (R7). Host names, *.suffix wildcards, IP addresses with *, <local>.
$BypassEntries = @('<local>')
# Internal resources the closing test checks (host names or IP addresses).
$InternalResources = @()
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
    Write-OneLine 'error: ccproxy.exe not found next to this script, on PATH or in Program Files\ccproxy; nothing changed'
    exit 2
}
if (-not $ProxyServer -and -not $ImportFromUser) {
    Write-OneLine 'error: edit the script: set $ProxyServer (such as proxy.corp.example:8080) or $ImportFromUser (the SID of the administrator whose Internet Options hold the proxy); nothing changed'
    exit 2
}
if (-not $ProxyServer -and -not (Test-Path -LiteralPath ('Registry::HKEY_USERS\' + $ImportFromUser))) {
    # Without the hive the import would read "no proxy" and switch WinHTTP to direct access.
    Write-OneLine ('error: the registry hive of {0} is not loaded (the user is not logged on); nothing changed' -f $ImportFromUser)
    exit 3
}

$planFile = Join-Path ([System.IO.Path]::GetTempPath()) ('ccproxy-plan-{0}.json' -f [guid]::NewGuid())
try {
    $arguments = @('plan', '--output', $planFile, '--log-format', 'json')
    if ($ProxyServer) {
        $arguments += @('--proxy', $ProxyServer)
    }
    else {
        $arguments += @('--import-ie', '--user', $ImportFromUser)
    }
    foreach ($entry in $BypassEntries) {
        $arguments += @('--add-bypass', $entry)
    }
    $planned = Invoke-CCProxy -Exe $exe -Arguments $arguments
    if ($planned.ExitCode -ne 0) {
        Write-OneLine ('error: ccproxy plan exit {0}: {1}; nothing changed' -f $planned.ExitCode, $planned.Message)
        exit $planned.ExitCode
    }
    # --output writes UTF-8 without a BOM and the plan is ASCII, so 5.1 reads it right too.
    $plan = Get-Content -LiteralPath $planFile -Raw | ConvertFrom-Json
    $summary = 'nothing to change'
    if (-not $plan.empty) {
        $applied = Invoke-CCProxy -Exe $exe -Arguments @('apply', $planFile, '--compress', '--log-format', 'json')
        if ($applied.ExitCode -ne 0) {
            # 4: rolled back, nothing changed; 5: the rollback failed too, the message names the backup.
            Write-OneLine ('error: ccproxy apply exit {0}: {1}' -f $applied.ExitCode, $applied.Message)
            exit $applied.ExitCode
        }
        $result = $applied.Stdout | ConvertFrom-Json
        $summary = 'applied {0} changes (backup {1})' -f @($result.changes).Count, $result.backup.path
        if ($result.restartRequired.required) {
            $summary += '; restart the Cloud Connector services or the machine'
        }
    }

    $arguments = @('test', '--compress', '--log-format', 'json')
    if ($ImportFromUser) {
        $arguments += @('--user', $ImportFromUser)
    }
    foreach ($resource in $InternalResources) {
        $arguments += @('--internal', $resource)
    }
    $tested = Invoke-CCProxy -Exe $exe -Arguments $arguments
    if ($tested.ExitCode -eq 0) {
        $summary += '; compliant'
    }
    elseif ($tested.ExitCode -eq 1) {
        $failed = @(($tested.Stdout | ConvertFrom-Json).findings | Where-Object { $_.status -eq 'fail' } | ForEach-Object { $_.id })
        $summary += '; still failing: ' + ($failed -join ', ')
    }
    else {
        $summary += ('; test exit {0}: {1}' -f $tested.ExitCode, $tested.Message)
    }
    Write-OneLine $summary
    exit 0
}
finally {
    Remove-Item -LiteralPath $planFile -Force -ErrorAction SilentlyContinue
}
