<#
.SYNOPSIS
    Group Policy scheduled task: keeps the Cloud Connector proxy settings as desired and logs
    each run to the Application event log.
.DESCRIPTION
    Run by the task in ccproxy-task.xml as SYSTEM. Runs 'ccproxy test'; when the settings are
    not compliant it plans and applies the desired state written into this script when it was
    generated ('ccproxy plan' and 'ccproxy apply': lock, backup, write, read back, roll back on
    any failure) and tests again. An incomplete verdict is logged, never remediated. Each run
    writes one event to the Application log, source ccproxy-task (eventcreate): ID 100
    compliant or fixed, 101 incomplete, 102 failed. Exit 0 unless something failed.
.NOTES
    Windows PowerShell 5.1 (the task runs powershell.exe). Copy it and ccproxy.exe to
    %ProgramFiles%\ccproxy\ (a folder only administrators can write) with Group Policy
    Preferences, then the task; see README.md, "Installing".
#>

{{SETTINGS}}

$ErrorActionPreference = 'Stop'

{{HELPERS}}

function Write-CCProxyEvent {
    param([int]$Id, [string]$Type, [string]$Text)
    # eventcreate (Microsoft's page: the APPLICATION log, IDs 1-1000) exists on every Windows
    # Server and registers its source on first use. A source name is unique on a machine
    # (MS-EVEN, event sources), so the task has one of its own beside ccproxy's. Logging never
    # stops the run.
    $ErrorActionPreference = 'Continue'
    $message = ($Text -replace '\s+', ' ').Trim()
    try {
        & eventcreate.exe /L APPLICATION /SO ccproxy-task /T $Type /ID $Id /D $message 2>&1 | Out-Null
    }
    catch {
    }
}

$exe = Find-CCProxy
if (-not $exe) {
    Write-CCProxyEvent -Id 102 -Type ERROR -Text 'ccproxy.exe not found next to this script, on PATH or in Program Files\ccproxy; nothing changed'
    exit 2
}
$before = Invoke-CCProxyTest -Exe $exe
switch ($before.Verdict) {
    'compliant' {
        Write-CCProxyEvent -Id 100 -Type INFORMATION -Text $before.Text
        exit 0
    }
    'notCompliant' {
        $result = Invoke-CCProxyRemediation -Exe $exe
        if (-not $result.Ok) {
            Write-CCProxyEvent -Id 102 -Type ERROR -Text ($before.Text + '; remediation failed: ' + $result.Text)
            exit $result.ExitCode
        }
        Write-CCProxyEvent -Id 100 -Type INFORMATION -Text ($before.Text + '; ' + $result.Text)
        exit 0
    }
    'error' {
        Write-CCProxyEvent -Id 102 -Type ERROR -Text $before.Text
        exit $before.ExitCode
    }
    default {
        Write-CCProxyEvent -Id 101 -Type WARNING -Text $before.Text
        exit 0
    }
}
