<#
.SYNOPSIS
    Group Policy scheduled task: keeps the Cloud Connector proxy settings as desired and logs
    each run to the Application event log.
.DESCRIPTION
    Run by the task in ccproxy-task.xml as SYSTEM. Runs 'ccproxy test'; when the verdict is
    notCompliant it plans and applies the desired state written into this script when it was
    generated ('ccproxy plan' and 'ccproxy apply': lock, backup, write, read back, roll back on
    any failure) and tests again. An incomplete verdict is logged, never remediated. Each run
    writes one event to the Application log, source ccproxy-task (eventcreate), with the
    verdict and the reason:
      100 Information  compliant, nothing changed (exit 0)
      101 Warning      incomplete: nothing changed, the missing evidence named (exit 1)
      103 Warning      was notCompliant (the failed checks named) and the desired state was
                       applied: now compliant, or waiting for a restart (exit 0)
      102 Error        ccproxy missing or failing, the apply failed, or the machine is still
                       not compliant after it (exit 2 or more)
    When the event cannot be written the script writes it to stderr and exits 3 or more, so the
    task's last run result shows the failure.
.NOTES
    Windows PowerShell 5.1 (the task runs powershell.exe). Copy it and ccproxy.exe to
    %ProgramFiles%\ccproxy\ (a folder only administrators can write) with Group Policy
    Preferences, then the task; see README.md, "Installing".
#>

{{SETTINGS}}

$ErrorActionPreference = 'Stop'

{{HELPERS}}

$script:EventFailed = $false

function Write-CCProxyEvent {
    param([int]$Id, [string]$Type, [string]$Text)
    # eventcreate (Microsoft's page: the APPLICATION log, IDs 1-1000) exists on every Windows
    # Server and registers its source on first use. A source name is unique on a machine
    # (MS-EVEN, event sources), so the task has one of its own beside ccproxy's. Windows
    # PowerShell 5.1 quotes an argument with spaces without escaping a double quote inside it
    # or a backslash before its closing quote (PowerShell/PowerShell issue 1995; only 7.3's
    # $PSNativeCommandArgumentPassing fixes it), so the message has no double quote and does
    # not end in a backslash.
    # A failure to log is not silent: it goes to stderr and the exit code.
    $ErrorActionPreference = 'Continue'
    $message = (Format-OneLine $Text).Replace('"', "'")
    if ($message.EndsWith('\')) {
        $message += '.'
    }
    $global:LASTEXITCODE = 9009
    try {
        & eventcreate.exe /L APPLICATION /SO ccproxy-task /T $Type /ID $Id /D $message 2>&1 | Out-Null
    }
    catch {
    }
    if ($LASTEXITCODE -ne 0) {
        $script:EventFailed = $true
        [Console]::Error.WriteLine(('ccproxy-task: could not write event {0} ({1}) to the Application log: {2}' -f $Id, $Type, $message))
    }
}

function Exit-Task {
    param([int]$Code)
    if ($script:EventFailed) {
        $Code = [Math]::Max(3, $Code)
    }
    exit $Code
}

try {
    $exe = Find-CCProxy
    if (-not $exe) {
        Write-CCProxyEvent -Id 102 -Type ERROR -Text 'error: ccproxy.exe not found next to this script, on PATH or in Program Files\ccproxy; nothing changed'
        Exit-Task 2
    }
    $result = Invoke-CCProxyRemediation -Exe $exe
}
catch {
    Write-CCProxyEvent -Id 102 -Type ERROR -Text ('error: {0}; the machine may be unchanged or partly changed: run ccproxy test' -f $_.Exception.Message)
    Exit-Task 2
}
switch ($result.Outcome) {
    'compliant' {
        Write-CCProxyEvent -Id 100 -Type INFORMATION -Text ('verdict compliant: ' + $result.Text)
        Exit-Task 0
    }
    'incomplete' {
        Write-CCProxyEvent -Id 101 -Type WARNING -Text ('verdict incomplete, not remediated: ' + $result.Text)
        Exit-Task 1
    }
    'remediated' {
        Write-CCProxyEvent -Id 103 -Type WARNING -Text ('verdict notCompliant, remediated: ' + $result.Text)
        Exit-Task 0
    }
    'restartPending' {
        Write-CCProxyEvent -Id 103 -Type WARNING -Text ('verdict notCompliant, remediated, restart pending: ' + $result.Text)
        Exit-Task 0
    }
    'failed' {
        Write-CCProxyEvent -Id 102 -Type ERROR -Text ('verdict notCompliant, remediation failed: ' + $result.Text)
        Exit-Task ([Math]::Max(2, [int]$result.ExitCode))
    }
    default {
        Write-CCProxyEvent -Id 102 -Type ERROR -Text ('verdict ' + $result.Outcome + ': ' + $result.Text)
        Exit-Task ([Math]::Max(2, [int]$result.ExitCode))
    }
}
