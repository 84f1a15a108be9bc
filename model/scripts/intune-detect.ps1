<#
.SYNOPSIS
    Intune Remediations detection script: exit 1 when the Cloud Connector proxy settings are
    not compliant.
.DESCRIPTION
    Runs 'ccproxy test' and prints one short line (at most 2,000 characters: Intune shows
    2,048). Exit 0: compliant, or incomplete (ccproxy could not tell; the line says what
    evidence is missing, and no remediation starts on a guess). Exit 1: not compliant, and
    Intune runs the remediation script (ccproxy-remediation-fix.ps1). On any error (ccproxy.exe
    missing or failing, output that is not a test document, anything the script did not
    expect) the line starts with 'error:' and the script exits 2, never 1: exit 1 is the only
    code that starts the remediation, and a remediation that writes the registry on an error
    would act on nothing known; Intune shows the run as failed with the line.
.NOTES
    Windows PowerShell 5.1 and PowerShell 7. ccproxy.exe must be next to this script, on PATH
    or in %ProgramFiles%\ccproxy\.
#>

{{SETTINGS}}

$ErrorActionPreference = 'Stop'

{{HELPERS}}

# Every path ends in an explicit exit: an exception that escaped would end powershell.exe
# -File with exit 1, which Intune reads as "issue found" and answers with the remediation.
try {
    $exe = Find-CCProxy
    if (-not $exe) {
        Write-OneLine 'error: ccproxy.exe not found next to this script, on PATH or in Program Files\ccproxy'
        exit 2
    }
    $result = Invoke-CCProxyTest -Exe $exe
}
catch {
    Write-OneLine ('error: ' + $_.Exception.Message)
    exit 2
}
Write-OneLine $result.Text
switch ($result.Verdict) {
    'compliant' { exit 0 }
    'notCompliant' { exit 1 }
    'incomplete' { exit 0 }
    # error, or anything else: reported, never remediated.
    default { exit 2 }
}
