<#
.SYNOPSIS
    Configuration Manager remediation script: plans and applies the Cloud Connector proxy
    settings with ccproxy.
.DESCRIPTION
    Runs 'ccproxy test' first, with the internal resources written into this script, and
    changes the machine only when the verdict is notCompliant: then it makes a plan with
    'ccproxy plan' from the desired state written into this script when it was generated,
    applies it with 'ccproxy apply' (lock, backup, write, read back, roll back on any failure),
    and runs 'ccproxy test' again. Compliant: nothing changed. Incomplete: nothing written, and
    the script throws with the evidence that is missing. Registry only, no network: well
    inside the default 60 s script timeout. Prints one line when it succeeds; when the apply
    fails, ccproxy cannot run, or the test after the apply is not compliant (a restart pending
    after the change excepted: the services read WinHTTP when they start), it throws:
    Microsoft documents that a remediation script must throw to report a failure, since a
    non-zero exit code is not reported. Pair it with ccproxy-ci-discovery.ps1 in the same
    configuration item setting.
.NOTES
    Windows PowerShell 5.1 and PowerShell 7. Runs as SYSTEM, which apply needs. Sign it (the
    client's default policy is All Signed). The Cloud Connector services read WinHTTP when
    they start: restart them (or the machine) after a change.
#>

{{SETTINGS}}

$ErrorActionPreference = 'Stop'

{{HELPERS}}

$exe = Find-CCProxy
if (-not $exe) {
    throw 'error: ccproxy.exe not found next to this script, on PATH or in Program Files\ccproxy; nothing changed'
}
$result = Invoke-CCProxyRemediation -Exe $exe
if (-not $result.Ok) {
    # Incomplete, error or failed: Configuration Manager reports a remediation failure only
    # when the script throws, and the message is what its report shows.
    throw (Format-OneLine ('ccproxy remediation did not make the machine compliant: ' + $result.Text))
}
Write-OneLine $result.Text
