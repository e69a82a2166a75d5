@echo off
rem Pinhole diagnostics: which NAT am I behind; see docs\install.md. Needs only a Java 17+ runtime.
setlocal
set "PINHOLE_COMMAND=diagnostics"
set "PINHOLE_MAIN=dev.pinhole.diagnostics.DiagnosticsCli"
call "%~dp0..\lib\launch.cmd" %*
exit /b %ERRORLEVEL%
