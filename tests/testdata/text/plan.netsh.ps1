# ccproxy plan FINGERPRINT: 2 changes
# PowerShell script (Windows PowerShell 5.1 or PowerShell 7): run it in a PowerShell opened with Run as administrator (paste the lines, or save it as plan.ps1 and run: powershell -ExecutionPolicy Bypass -File .\plan.ps1); for cmd.exe use --format cmd
$netsh = "$env:SystemRoot\System32\netsh.exe"
if (-not [Environment]::Is64BitProcess) { $netsh = "$env:SystemRoot\Sysnative\netsh.exe" }
# the 32-bit view: the 32-bit netsh writes to WOW6432Node; whether the 64-bit netsh already wrote it depends on the Windows version (not documented): check with ccproxy get
& "$env:SystemRoot\SysWOW64\netsh.exe" winhttp set proxy 'proxy-server=proxy.corp.example:8080' 'bypass-list=<local>;*.corp.example;dc01.corp.example;10.0.20.15;dc02.corp.example'
if ($LASTEXITCODE -ne 0) { throw "netsh failed with exit code $LASTEXITCODE" }
& $netsh winhttp set proxy 'proxy-server=proxy.corp.example:8080' 'bypass-list=<local>;*.corp.example;dc01.corp.example;10.0.20.15;dc02.corp.example'
if ($LASTEXITCODE -ne 0) { throw "netsh failed with exit code $LASTEXITCODE" }
# then restart the machine (R5): the Cloud Connector services read WinHTTP's settings when they start
