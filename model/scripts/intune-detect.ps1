<#
.SYNOPSIS
    Intune Remediations detection script: exit 1 when the Cloud Connector proxy settings are
    not compliant.
.DESCRIPTION
    Runs 'ccproxy test' and prints one short line. Exit 0: compliant, or incomplete (ccproxy
    could not tell; the line says what evidence is missing, and no remediation starts on a
    guess). Exit 1: not compliant, and Intune runs the remediation script
    (ccproxy-remediation-fix.ps1). Exit 2 or more: ccproxy could not run or read the settings;
    Intune shows the run as failed and does not remediate.
.NOTES
    Windows PowerShell 5.1 and PowerShell 7. ccproxy.exe must be next to this script, on PATH
    or in %ProgramFiles%\ccproxy\.
#>

{{SETTINGS}}

$ErrorActionPreference = 'Stop'

{{HELPERS}}

$exe = Find-CCProxy
if (-not $exe) {
    Write-OneLine 'error: ccproxy.exe not found next to this script, on PATH or in Program Files\ccproxy'
    exit 2
}
$result = Invoke-CCProxyTest -Exe $exe
Write-OneLine $result.Text
switch ($result.Verdict) {
    'compliant' { exit 0 }
    'notCompliant' { exit 1 }
    'error' { exit $result.ExitCode }
    # Incomplete evidence is reported, never remediated: a remediation on a guess could
    # change a machine that is right.
    default { exit 0 }
}
