<#
.SYNOPSIS
    Configuration Manager discovery script: Compliant when the Cloud Connector proxy settings
    are compliant, otherwise the reason.
.DESCRIPTION
    For a configuration item setting of type Script, data type String, with the compliance
    rule "Equals Compliant" and "Run the specified remediation script when this setting is
    noncompliant" (ccproxy-ci-remediation.ps1). Runs 'ccproxy test' (registry only, no
    network: well inside the default 60 s script timeout) and prints one value, which
    Configuration Manager shows as the setting's actual value: 'Compliant', or the reason it
    is not: 'not compliant: <failed checks>' or 'incomplete: ... missing: <evidence>' (an
    incomplete verdict is not compliant).
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

# A discovery failure is a non-zero exit with nothing on stdout: every error path, an
# unexpected exception included, ends here rather than printing a value.
try {
    $exe = Find-CCProxy
    if (-not $exe) {
        [Console]::Error.WriteLine('error: ccproxy.exe not found next to this script, on PATH or in Program Files\ccproxy')
        exit 2
    }
    $result = Invoke-CCProxyTest -Exe $exe
}
catch {
    [Console]::Error.WriteLine((Format-OneLine ('error: ' + $_.Exception.Message)))
    exit 2
}
switch ($result.Verdict) {
    'compliant' { Write-Output 'Compliant' }
    'notCompliant' { Write-OneLine $result.Text }
    # Incomplete is not compliant either: the value fails the rule "Equals Compliant" and
    # names the evidence that is missing.
    'incomplete' { Write-OneLine $result.Text }
    default {
        [Console]::Error.WriteLine((Format-OneLine $result.Text))
        exit ([Math]::Max(2, [int]$result.ExitCode))
    }
}
exit 0
