<#
.SYNOPSIS
    Configuration Manager remediation script: plans and applies the Cloud Connector proxy
    settings with ccproxy.
.DESCRIPTION
    Makes a plan with 'ccproxy plan' from the desired state written into this script when it
    was generated, applies it with 'ccproxy apply' (lock, backup, write, read back, roll back
    on any failure), then runs 'ccproxy test' again; registry only, well inside the default
    60 s script timeout. Prints one line. On failure it throws: Microsoft documents that a
    remediation script must throw to report a failure, since a non-zero exit code is not
    reported. Pair it with ccproxy-ci-discovery.ps1 in the same configuration item setting.
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
    throw 'ccproxy.exe not found next to this script, on PATH or in Program Files\ccproxy; nothing changed'
}
$result = Invoke-CCProxyRemediation -Exe $exe
if (-not $result.Ok) {
    throw ('ccproxy remediation failed: ' + $result.Text)
}
Write-OneLine $result.Text
