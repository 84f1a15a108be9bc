<#
.SYNOPSIS
    Intune Remediations remediation script: plans and applies the Cloud Connector proxy
    settings with ccproxy.
.DESCRIPTION
    Runs 'ccproxy test' first and changes the machine only when the verdict is notCompliant:
    then it makes a plan with 'ccproxy plan' from the desired state written into this script
    when it was generated, applies it with 'ccproxy apply' (lock, backup, write, read back,
    roll back on any failure) and runs 'ccproxy test' again. Prints one line (at most 2,000
    characters). Exit 0 when the machine is compliant afterwards, or only waits for a restart;
    otherwise the line starts with 'error:' and the exit code is 2 or more (ccproxy's, 4 or 5
    when the apply failed). Pair it with ccproxy-remediation-detect.ps1.
.NOTES
    Windows PowerShell 5.1 and PowerShell 7. Runs as SYSTEM, which apply needs. The Cloud
    Connector services read WinHTTP when they start: restart them (or the machine) after a
    change.
#>

{{SETTINGS}}

$ErrorActionPreference = 'Stop'

{{HELPERS}}

try {
    $exe = Find-CCProxy
    if (-not $exe) {
        Write-OneLine 'error: ccproxy.exe not found next to this script, on PATH or in Program Files\ccproxy; nothing changed'
        exit 2
    }
    $result = Invoke-CCProxyRemediation -Exe $exe
}
catch {
    Write-OneLine ('error: ' + $_.Exception.Message)
    exit 2
}
if (-not $result.Ok) {
    Write-OneLine ('error: ' + $result.Text)
    exit ([Math]::Max(2, [int]$result.ExitCode))
}
Write-OneLine $result.Text
exit 0
