<#
.SYNOPSIS
    Intune custom compliance discovery script: the Cloud Connector proxy checks of ccproxy.
.DESCRIPTION
    Runs 'ccproxy test --format intune' and returns its one line of JSON: a flat object of
    settings, every one present on every run, that the rules in ccproxy-compliance-rules.json
    (the output of 'ccproxy intune-rules') evaluate; an incomplete verdict is not compliant
    there. Compliant or not, the script returns the settings and the rules decide; only when
    ccproxy cannot run does the script fail, which Intune reports as error 65007.

    Upload it as the discovery script of a custom compliance policy. "Run script in 64 bit
    PowerShell Host" may stay at No: ccproxy reads both registry views itself.
.NOTES
    Windows PowerShell 5.1 and PowerShell 7. ccproxy.exe must be on PATH or in
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
$arguments = @('test', '--format', 'intune', '--log-format', 'json')
if ($User) {
    $arguments += @('--user', $User)
}
foreach ($resource in $InternalResources) {
    $arguments += @('--internal', $resource)
}
$result = Invoke-CCProxy -Exe $exe -Arguments $arguments
# 'test --format intune' exits 0 whether compliant or not; any other code means ccproxy could
# not judge, which Intune must show as a failure rather than as settings.
if ($result.ExitCode -ne 0) {
    [Console]::Error.WriteLine(('ccproxy test failed (exit {0}): {1}' -f $result.ExitCode, $result.Message))
    exit $result.ExitCode
}
$line = $result.Stdout.Trim()
# Intune reads exactly one line of JSON (error 65009 otherwise): check it before returning it.
$null = $line | ConvertFrom-Json
return $line
