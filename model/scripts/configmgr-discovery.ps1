<#
.SYNOPSIS
    Configuration Manager discovery script: Compliant when the Cloud Connector proxy settings
    are compliant, otherwise the reason.
.DESCRIPTION
    For a configuration item setting of type Script, data type String, with the compliance
    rule "Equals Compliant" and "Run the specified remediation script when this setting is
    noncompliant" (ccproxy-ci-remediation.ps1). Runs 'ccproxy test' (registry only, no
    network: well inside the default 60 s script timeout) and prints one value, which
    Configuration Manager shows as the setting's actual value: 'Compliant', 'NotCompliant:
    <failed checks>' or 'Incomplete: <missing evidence>' (not compliant, with the reason).
    Exits 0. When ccproxy cannot run or read the settings it prints nothing, writes the
    reason to stderr and exits non-zero, which Configuration Manager reports as a discovery
    failure.
.NOTES
    Windows PowerShell 5.1 and PowerShell 7. Sign it (the client's default policy is All
    Signed) and add it with "Open" from file. ccproxy.exe must be on PATH or in
    %ProgramFiles%\ccproxy\.
#>

{{SETTINGS}}

$ErrorActionPreference = 'Stop'

{{HELPERS}}

$exe = Find-CCProxy
if (-not $exe) {
    [Console]::Error.WriteLine('ccproxy.exe not found next to this script, on PATH or in Program Files\ccproxy')
    exit 2
}
$result = Invoke-CCProxyTest -Exe $exe
switch ($result.Verdict) {
    'compliant' { Write-Output 'Compliant' }
    'notCompliant' { Write-OneLine ('NotCompliant: ' + $result.Text) }
    'error' {
        [Console]::Error.WriteLine($result.Text)
        exit $result.ExitCode
    }
    default { Write-OneLine ('Incomplete: ' + $result.Text) }
}
exit 0
