package dev.pinhole.rendezvous.cli;

import dev.pinhole.protocol.cli.CliErrors;
import dev.pinhole.protocol.cli.CompletionCommand;
import dev.pinhole.protocol.cli.VersionProvider;
import dev.pinhole.protocol.log.LogWriter;
import dev.pinhole.rendezvous.DataDir;
import dev.pinhole.rendezvous.Log;
import dev.pinhole.rendezvous.RendezvousConfig;
import dev.pinhole.rendezvous.RendezvousServer;
import dev.pinhole.rendezvous.ingress.TcpIngress;
import dev.pinhole.rendezvous.stun.StunServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

@Command(name = "rendezvous", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        scope = ScopeType.INHERIT, description = "Runs the Pinhole rendezvous: peer registry, control plane and relay.",
        subcommands = {HelpCommand.class, TokenCommand.class, NamesCommand.class, JoinCodeCommand.class,
            CompletionCommand.class})
public final class RendezvousCli implements Callable<Integer> {
    /** What every error line starts with, so that scripts and logs can tell them from other output. */
    static final String ERROR = "rendezvous: error: ";

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data-dir", description = "Keys, tokens and names live here (default: $PINHOLE_RENDEZVOUS_DATA or ~/.pinhole/rendezvous).")
    Path dataDir;

    @Option(names = "--bind", description = "Address to listen on (default: 0.0.0.0).")
    String bind;

    @Option(names = "--port", description = "Control and relay port (default: 7000; 0 picks a free one).")
    Integer port;

    @Option(names = "--public-host", description = "Host name or address peers dial; goes into the join code.")
    String publicHost;

    @Option(names = "--config", paramLabel = "FILE",
            description = "TOML file with any of these flags as keys: public_host = \"rv.example.org\", [limits] for the"
                    + " limits (docs/operations.md); a flag given here wins over its key.")
    Path config;

    @Option(names = "--stun-port", description = "STUN (RFC 8489) UDP port (default: 3478; 0 picks a free one).")
    Integer stunPort;

    @Option(names = "--no-stun", description = "Do not run the STUN service.")
    boolean noStun;

    @Option(names = "--dashboard", paramLabel = "ADDR:PORT",
            description = "Dashboard and /metrics listener (default: 127.0.0.1:7080; port 0 picks a free one).")
    String dashboard;

    @Option(names = "--no-dashboard", description = "Do not run the dashboard.")
    boolean noDashboard;

    @Option(names = "--allow-ports", paramLabel = "FIRST-LAST",
            description = "Public TCP ports peers may publish services on (peer expose --tcp-port); default: none.")
    String allowPorts;

    @Option(names = "--allow-udp-ports", paramLabel = "FIRST-LAST",
            description = "Public UDP ports peers may publish services on (peer expose --udp --udp-port; docs/udp.md);"
                    + " default: none.")
    String allowUdpPorts;

    @Option(names = "--domain", paramLabel = "DOMAIN",
            description = "Serve published services as NAME.DOMAIN over HTTP (by Host) and HTTPS (TLS passthrough by SNI);"
                    + " point a wildcard DNS record *.DOMAIN here. Default: no HTTP/HTTPS ingress.")
    String domain;

    @Option(names = "--http-port", paramLabel = "PORT|off", description = "HTTP ingress port with --domain (default: 80).")
    String httpPort;

    @Option(names = "--https-port", paramLabel = "PORT|off", description = "HTTPS passthrough port with --domain (default: 443).")
    String httpsPort;

    @Option(names = "--alt-address", paramLabel = "IP",
            description = "Second public address for RFC 5780 behaviour discovery (needs --bind to be the first).")
    String altAddress;

    @Option(names = "--alt-port", description = "Alternate STUN port for RFC 5780 (default: STUN port + 1).")
    Integer altPort;

    @Mixin
    LimitOptions limits = new LimitOptions();

    @Mixin
    LogOptions log = new LogOptions();

    /** Whether the --config file's keys have been copied into the flags the command line left out. */
    private boolean configApplied;

    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile RendezvousServer running;

    /** ice4j's configuration and logging chatter at INFO on start; kept here so the loggers are not collected. */
    private static final Logger[] QUIET = {
        Logger.getLogger(""), Logger.getLogger("org.jitsi")};

    public static void main(String[] args) {
        for (Logger logger : QUIET) {
            logger.setLevel(Level.WARNING);
        }
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line {@code main} runs: a bad value (IllegalArgumentException) or unreadable file exits 2 with its
     * message; every error reads {@code rendezvous: error: ...} (docs/cli.md, "Exit codes").
     */
    public static CommandLine commandLine() {
        return commandLine(new RendezvousCli());
    }

    static CommandLine commandLine(RendezvousCli command) {
        return CliErrors.install(new CommandLine(command), ERROR);
    }

    @Override
    public Integer call() throws Exception {
        RendezvousConfig settings = settings();
        var out = spec.commandLine().getOut();
        LogOptions.Settings logging = logging();
        Log logTo = Log.to(new LogWriter(spec.commandLine().getErr(), logging.level(), logging.format(), Clock.systemDefaultZone()));
        if (publicHost == null && PublicHostGuess.isPrivate(settings.publicHost())) {
            logTo.warn(PublicHostGuess.warning(settings.publicHost()));
        }
        RendezvousServer server = new RendezvousServer(settings, logTo);
        try {
            server.start();
        } catch (IOException e) {
            server.close();
            spec.commandLine().getErr().println(ERROR + e.getMessage());
            return CommandLine.ExitCode.SOFTWARE;
        }
        running = server;
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "rendezvous-shutdown"));
        out.println("Pinhole rendezvous on port " + server.port() + ", data in " + settings.dataDir()
                + (server.stun() == null ? "" : ", STUN on UDP " + server.stun().port()));
        if (server.dashboard() != null) {
            var address = server.dashboard().address();
            out.println("Dashboard: http://" + address.getAddress().getHostAddress() + ":" + address.getPort()
                    + "/ (admin secret " + server.adminSecretHint() + " in " + server.dataDir().dashboardSecretFile() + ")");
        }
        for (String url : server.ingressUrls()) {
            out.println("Public ingress: " + url);
        }
        if (server.joinCodeCreated()) {
            // Printed once, when it is new: on every start it would land in journald or docker logs (a secret).
            out.println("Join code (a secret: share it only with your peers; shown again by 'rendezvous join-code'):");
            out.println();
            out.println("  " + server.joinCode());
            out.println();
            out.println("On each peer: bin/peer login '" + server.joinCode() + "'");
        } else {
            out.println("Join code: in " + server.dataDir().joinCodeFile() + " ('rendezvous join-code' shows it)");
        }
        out.flush();
        stopped.await();
        return 0;
    }

    /** Copies the --config file's keys into the flags the command line left out (once). */
    private void applyConfig() throws IOException {
        if (config != null && !configApplied) {
            ConfigFile.read(config, spec).applyTo(spec);
        }
        configApplied = true;
    }

    /** The host for join codes if the operator named one (option or --config), else null. */
    String chosenPublicHost() throws IOException {
        applyConfig();
        return publicHost;
    }

    /** The port for join codes if the operator named one (option or --config), else null. */
    Integer chosenPort() throws IOException {
        applyConfig();
        return port;
    }

    /** The --log-level and --log-format the options and --config say. */
    LogOptions.Settings logging() throws IOException {
        applyConfig();
        return log.settings();
    }

    /** What Ctrl-C does (the shutdown hook); tests call it to end a server started through {@link #call}. */
    void stop() {
        RendezvousServer server = running;
        if (server != null) {
            server.close();
        }
        stopped.countDown();
    }

    /** The data directory the options and --config name, for the commands that edit it while a server may run. */
    DataDir openDataDir() throws IOException {
        return new DataDir(settings().dataDir(), Clock.systemUTC());
    }

    RendezvousConfig settings() throws IOException {
        applyConfig();
        Path dir = dataDir != null ? dataDir : defaultDataDir();
        String bindTo = bind != null ? bind : "0.0.0.0";
        int listenPort = port != null ? port : RendezvousConfig.DEFAULT_PORT;
        String host = publicHost != null ? publicHost : PublicHostGuess.guess(bindTo);
        if (allowPorts != null) {
            TcpIngress.PortRange.parse(allowPorts); // a typo is a usage error now, not a refusal later
        }
        if (allowUdpPorts != null) {
            TcpIngress.PortRange.parse("--allow-udp-ports", allowUdpPorts);
        }
        return new RendezvousConfig(dir, bindTo, listenPort, host, limits.loginTimeout(), stun(bindTo),
                dashboardAddress(), allowPorts, web(), limits.limits(), allowUdpPorts);
    }

    /**
     * The settings {@code args} give, parsed exactly as {@code rendezvous ARGS} would be (for tests and tools that
     * run the server in-process); a usage error throws picocli's ParameterException, a bad value
     * IllegalArgumentException.
     */
    public static RendezvousConfig settingsOf(String... args) throws IOException {
        RendezvousCli cli = new RendezvousCli();
        new CommandLine(cli).parseArgs(args);
        return cli.settings();
    }

    private RendezvousConfig.Web web() {
        if (domain == null) {
            if (httpPort != null || httpsPort != null) {
                throw new IllegalArgumentException("--http-port and --https-port need --domain (services are NAME.DOMAIN)");
            }
            return null;
        }
        String d = domain.toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
        if (!d.matches("([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?") || d.length() > 200) {
            throw new IllegalArgumentException("--domain " + domain + " (expected: a DNS name such as tunnels.example.org)");
        }
        return new RendezvousConfig.Web(d, ingressPort("--http-port", httpPort, 80), ingressPort("--https-port", httpsPort, 443));
    }

    private static Integer ingressPort(String option, String value, int standard) {
        if (value == null) {
            return standard;
        }
        if (value.equals("off")) {
            return null;
        }
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // fall through to the usage error
        }
        throw new IllegalArgumentException(option + " " + value + " (expected: a port number or off)");
    }

    private InetSocketAddress dashboardAddress() {
        if (noDashboard) {
            if (dashboard != null) {
                throw new IllegalArgumentException("--dashboard " + dashboard + " with --no-dashboard (expected: one of them)");
            }
            return null;
        }
        if (dashboard == null) {
            return RendezvousConfig.DEFAULT_DASHBOARD;
        }
        int colon = dashboard.lastIndexOf(':');
        try {
            String host = colon <= 0 ? "127.0.0.1" : dashboard.substring(0, colon).replace("[", "").replace("]", "");
            int port = Integer.parseInt(dashboard.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(host, port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--dashboard " + dashboard + " (expected: [ADDR:]PORT)");
        }
    }

    private StunServer.Config stun(String bindTo) throws IOException {
        if (noStun) {
            if (stunPort != null || altAddress != null || altPort != null) {
                throw new IllegalArgumentException("--stun-port, --alt-address and --alt-port configure STUN, which --no-stun"
                        + " turns off (expected: either those or --no-stun)");
            }
            return null;
        }
        InetAddress primary = InetAddress.getByName(bindTo);
        int port = stunPort != null ? stunPort : RendezvousConfig.DEFAULT_STUN_PORT;
        if (altAddress == null) {
            return new StunServer.Config(primary, port, null, altPort != null ? altPort : port == 0 ? 0 : port + 1);
        }
        if (primary.isAnyLocalAddress()) {
            throw new IllegalArgumentException("--alt-address needs --bind set to the first public address"
                    + " (responses must leave from a known address)");
        }
        int alternatePort = altPort != null ? altPort : port == 0 ? 0 : port + 1;
        return new StunServer.Config(primary, port, InetAddress.getByName(altAddress), alternatePort);
    }

    static Path defaultDataDir() {
        String env = System.getenv("PINHOLE_RENDEZVOUS_DATA");
        return env != null && !env.isEmpty() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".pinhole", "rendezvous");
    }
}
