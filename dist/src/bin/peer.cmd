@echo off
rem Pinhole peer: publish a local service, or reach one; see docs\install.md. Needs only a Java 17+ runtime.
setlocal
set "PINHOLE_COMMAND=peer"
set "PINHOLE_MAIN=dev.pinhole.peer.cli.PeerCli"
call "%~dp0..\lib\launch.cmd" %*
exit /b %ERRORLEVEL%
