<#
.SYNOPSIS
    Intune Remediations remediation script: plans and applies the Cloud Connector proxy
    settings with ccproxy.
.DESCRIPTION
    Makes a plan with 'ccproxy plan' from the desired state written into this script when it
    was generated, applies it with 'ccproxy apply' (lock, backup, write, read back, roll back
    on any failure) and runs 'ccproxy test' again. Prints one line. Exit 0 when the plan was
    applied or there was nothing to change; the exit code of ccproxy when it could not be.
    Pair it with ccproxy-remediation-detect.ps1.
.NOTES
    Windows PowerShell 5.1 and PowerShell 7. Runs as SYSTEM, which apply needs. The Cloud
    Connector services read WinHTTP when they start: restart them (or the machine) after a
    change.
#>

{{SETTINGS}}

$ErrorActionPreference = 'Stop'

{{HELPERS}}

$exe = Find-CCProxy
if (-not $exe) {
    Write-OneLine 'error: ccproxy.exe not found next to this script, on PATH or in Program Files\ccproxy; nothing changed'
    exit 2
}
$result = Invoke-CCProxyRemediation -Exe $exe
if (-not $result.Ok) {
    Write-OneLine ('error: ' + $result.Text)
    exit $result.ExitCode
}
Write-OneLine $result.Text
exit 0
