@echo off
rem Pinhole rendezvous: the rendezvous server; see docs\install.md. Needs only a Java 17+ runtime.
setlocal
set "PINHOLE_COMMAND=rendezvous"
set "PINHOLE_MAIN=dev.pinhole.rendezvous.cli.RendezvousCli"
call "%~dp0..\lib\launch.cmd" %*
exit /b %ERRORLEVEL%
