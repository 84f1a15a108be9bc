rem ccproxy plan FINGERPRINT: 2 changes
rem cmd.exe script: run it in a Command Prompt opened with Run as administrator (paste the lines, or save it as plan.cmd and run it); for PowerShell use --format ps1
if exist "%SystemRoot%\Sysnative\netsh.exe" (set "NETSH=%SystemRoot%\Sysnative\netsh.exe") else (set "NETSH=%SystemRoot%\System32\netsh.exe")
rem the 32-bit view: the 32-bit netsh writes to WOW6432Node; whether the 64-bit netsh already wrote it depends on the Windows version (not documented): check with ccproxy get
%SystemRoot%\SysWOW64\netsh.exe winhttp set proxy proxy-server="proxy.corp.example:8080" bypass-list="<local>;*.corp.example;dc01.corp.example;10.0.20.15;dc02.corp.example"
"%NETSH%" winhttp set proxy proxy-server="proxy.corp.example:8080" bypass-list="<local>;*.corp.example;dc01.corp.example;10.0.20.15;dc02.corp.example"
rem then restart the machine (R5): the Cloud Connector services read WinHTTP's settings when they start
