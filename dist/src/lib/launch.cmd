@echo off
rem Called by bin\peer.cmd, bin\rendezvous.cmd and bin\diagnostics.cmd, which set PINHOLE_COMMAND and
rem PINHOLE_MAIN. Finds a Java 17+ runtime and runs PINHOLE_MAIN with the archive's lib\ on the class path;
rem never Maven (docs/install.md, "The archive"). Messages are printed after a goto, outside any ( ) block,
rem because a path such as "C:\Program Files (x86)\..." would otherwise end the block early.
setlocal
set "PINHOLE_DIST=%~dp0.."
set "PINHOLE_JAVA=java.exe"
if defined JAVA_HOME set "PINHOLE_JAVA=%JAVA_HOME%\bin\java.exe"
if exist "%PINHOLE_DIST%\runtime\bin\java.exe" set "PINHOLE_JAVA=%PINHOLE_DIST%\runtime\bin\java.exe"
if defined JAVA_HOME if not exist "%PINHOLE_JAVA%" goto badJavaHome
"%PINHOLE_JAVA%" -version >nul 2>&1
if errorlevel 1 goto noJava

rem The first line of 'java -version' reads: openjdk version "17.0.15" 2025-04-15 (or "1.8.0_381" before 9).
set "PINHOLE_VERSION="
for /f "tokens=3" %%v in ('""%PINHOLE_JAVA%" -version 2>&1 | findstr /i version"') do (
  if not defined PINHOLE_VERSION set "PINHOLE_VERSION=%%~v"
)
set "PINHOLE_MAJOR="
for /f "tokens=1,2 delims=._-+" %%a in ("%PINHOLE_VERSION%") do (
  if "%%a"=="1" (set "PINHOLE_MAJOR=%%b") else (set "PINHOLE_MAJOR=%%a")
)
if not defined PINHOLE_MAJOR goto unreadableVersion
if %PINHOLE_MAJOR% LSS 17 goto oldJava

rem A peer's JVM: serial GC, the C1 compiler only, a 64 MB heap, 512 KB thread stacks; the rendezvous keeps the
rem JVM's defaults (docs/benchmarks.md, "Footprint"). PINHOLE_JAVA_OPTS comes after, so it overrides any of them.
set "PINHOLE_DEFAULTS=-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Xms8m -Xmx64m -XX:MaxDirectMemorySize=256m"
if "%PINHOLE_COMMAND%"=="rendezvous" set "PINHOLE_DEFAULTS="

rem Leak detection samples buffers at a cost; the tests run it at "paranoid" instead (pom.xml).
"%PINHOLE_JAVA%" -Dio.netty.leakDetection.level=disabled %PINHOLE_DEFAULTS% %PINHOLE_JAVA_OPTS% -cp "%PINHOLE_DIST%\lib\*" %PINHOLE_MAIN% %*
exit /b %ERRORLEVEL%

:badJavaHome
echo %PINHOLE_COMMAND%: JAVA_HOME: %JAVA_HOME% (expected: a Java 17+ runtime with bin\java.exe) 1>&2
exit /b 1
:noJava
echo %PINHOLE_COMMAND%: no Java found (expected: a Java 17+ runtime on PATH or in JAVA_HOME) 1>&2
exit /b 1
:unreadableVersion
echo %PINHOLE_COMMAND%: could not read the Java version of %PINHOLE_JAVA% (expected: a Java 17+ runtime; set JAVA_HOME to one) 1>&2
exit /b 1
:oldJava
echo %PINHOLE_COMMAND%: Java %PINHOLE_VERSION% at %PINHOLE_JAVA% is too old (expected: 17 or newer; install one or set JAVA_HOME to one) 1>&2
exit /b 1
