<#
.SYNOPSIS
    Intune custom compliance discovery script: the Cloud Connector proxy checks of ccproxy.
.DESCRIPTION
    Runs 'ccproxy test --format intune' and returns its one line of JSON: a flat object of
    settings, every one present on every run, that the rules in ccproxy-compliance-rules.json
    (the output of 'ccproxy intune-rules') evaluate; only the verdict "compliant" passes them.
    Compliant or not, the script returns the settings and the rules decide. When ccproxy
    cannot run, fails, or prints something that is not the one line of settings, the script
    still returns every setting, with the verdict "error", every check "notChecked" and the
    error in missingEvidence, so that the device is not compliant and the report shows why
    (rather than error 65007 with no settings, or a device judged on nothing).

    Upload it as the discovery script of a custom compliance policy. "Run script in 64 bit
    PowerShell Host" may stay at No: ccproxy reads both registry views itself.
.NOTES
    Windows PowerShell 5.1 and PowerShell 7. ccproxy.exe must be on PATH or in
    %ProgramFiles%\ccproxy\.
#>

{{SETTINGS}}
# The line returned on an error: every setting, verdict "error", every check "notChecked".
{{ERROR_SETTINGS}}

$ErrorActionPreference = 'Stop'

{{HELPERS}}

function Get-ErrorSettings {
    param([string]$Text)
    $settings = $ErrorSettingsJson | ConvertFrom-Json
    # Only ccproxy's redacted messages and this script's own words reach the text. The line
    # stays within the 2,048 characters Intune keeps of a script's output, its newline
    # included, as 'test --format intune' does (docs/contract.md): the message is cut to fit.
    $text = Format-OneLine $Text
    $n = $text.Length
    do {
        if ($n -lt $text.Length) {
            $settings.missingEvidence = $text.Substring(0, $n) + '...'
        }
        else {
            $settings.missingEvidence = $text
        }
        $line = $settings | ConvertTo-Json -Compress
        $n = [int][Math]::Floor($n * 0.8)
    } while ($line.Length -gt 2047 -and $n -gt 0)
    return $line
}

try {
    $exe = Find-CCProxy
    if (-not $exe) {
        return (Get-ErrorSettings 'error: ccproxy.exe not found next to this script, on PATH or in Program Files\ccproxy')
    }
    $arguments = @('test', '--format', 'intune', '--log-format', 'json')
    if ($User) {
        $arguments += @('--user', $User)
    }
    foreach ($resource in $InternalResources) {
        $arguments += @('--internal', $resource)
    }
    $result = Invoke-CCProxy -Exe $exe -Arguments $arguments
    # 'test --format intune' exits 0 whether compliant or not; any other code means ccproxy
    # could not judge.
    if ($result.ExitCode -ne 0) {
        return (Get-ErrorSettings ('error: ccproxy test exit {0}: {1}' -f $result.ExitCode, $result.Message))
    }
    $line = $result.Stdout.Trim()
    # Intune reads exactly one line of JSON (error 65009 otherwise) holding every setting of
    # the rules (65008 otherwise): check it before returning it.
    $parsed = $null
    try {
        $parsed = $line | ConvertFrom-Json -ErrorAction Stop
    }
    catch {
    }
    if ($line.Contains("`n") -or -not $parsed -or -not $parsed.PSObject.Properties['compliant']) {
        return (Get-ErrorSettings 'error: ccproxy test --format intune printed no line of settings')
    }
    # An older ccproxy has no verdict, which the rules read: its "compliant" decides.
    if (-not $parsed.PSObject.Properties['verdict']) {
        $verdict = 'notCompliant'
        if ($parsed.compliant -eq $true) {
            $verdict = 'compliant'
        }
        $parsed | Add-Member -NotePropertyName 'verdict' -NotePropertyValue $verdict
        if (-not $parsed.PSObject.Properties['missingEvidence']) {
            $parsed | Add-Member -NotePropertyName 'missingEvidence' -NotePropertyValue ''
        }
        return ($parsed | ConvertTo-Json -Compress)
    }
    return $line
}
catch {
    return (Get-ErrorSettings ('error: ' + $_.Exception.Message))
}
