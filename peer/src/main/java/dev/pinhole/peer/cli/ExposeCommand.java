package dev.pinhole.peer.cli;

import dev.pinhole.peer.node.Exposer;
import dev.pinhole.peer.node.Output;
import dev.pinhole.peer.node.RunNode;
import dev.pinhole.protocol.AllowedPeer;
import dev.pinhole.protocol.Carries;
import dev.pinhole.protocol.Cidr;
import dev.pinhole.protocol.ControlCodec;
import dev.pinhole.protocol.ServiceName;
import dev.pinhole.protocol.home.PeerHome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "expose", description = "Publish the local TCP (or UDP) service on PORT under a name.")
final class ExposeCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin PeerOptions options;
    @Mixin ServerOption server;
    @Mixin LogOptions logging;
    @Parameters(paramLabel = "PORT", description = "Local port of the service.")
    int port;
    @Option(names = "--name", required = true, description = "Name to publish (a DNS label, e.g. mypc).")
    String name;
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Host of the service (default: 127.0.0.1).")
    String host;

    @Option(names = "--tcp-port", paramLabel = "PORT|auto",
            description = "Also publish the service on this public TCP port of the rendezvous (auto: any it allows).")
    String tcpPort;

    @Option(names = "--http", description = "Also publish it over HTTP as NAME.DOMAIN of the rendezvous (routed by Host;"
            + " X-Forwarded-For/Proto added; WebSocket works).")
    boolean http;

    @Option(names = "--https", description = "Also publish it over HTTPS as NAME.DOMAIN: TLS passes through by server name"
            + " and the service itself terminates it (the rendezvous cannot read it).")
    boolean https;

    @Option(names = "--basic-auth", paramLabel = "USER:PASS",
            description = "With --http (and neither --https nor --tcp-port, which cannot carry it): visitors must give"
                    + " this user name and password (checked at the rendezvous, not passed on)."
                    + " Default with --http: $PINHOLE_BASIC_AUTH.")
    String basicAuth;

    @Option(names = "--host-header", paramLabel = "rewrite|HOST[:PORT]",
            description = "With --http: the Host header the service sees; rewrite: the local target (HOST:PORT), for"
                    + " services that refuse other hosts (dev servers). X-Forwarded-Host keeps the visitor's.")
    String hostHeader;

    @Option(names = "--allow-ip", paramLabel = "BLOCK",
            description = "Public ingress only for visitors from this address block, e.g. 203.0.113.0/24 (repeatable).")
    List<String> allowIp = new ArrayList<>();

    @Option(names = "--allow-peer", paramLabel = "KEY|label:LABEL",
            description = "Only this peer may connect: its key as 'peer id' prints it (sha256:...), or label:LABEL for the"
                    + " peers of tokens created with --label LABEL (repeatable, at most " + ControlCodec.MAX_ALLOWED_PEERS
                    + "). Default: any peer of the rendezvous. Public visitors are governed by --allow-ip and --basic-auth.")
    List<String> allowPeer = new ArrayList<>();

    @Option(names = "--relay-only", description = "Never try a direct (hole-punched) path; always use the relay.")
    boolean relayOnly;

    @Option(names = "--tcp", description = "Carry TCP (the default; with --udp: both on the same name and port).")
    boolean tcp;

    @Option(names = "--udp", description = "Carry UDP datagrams to the service (connectors use connect --udp;"
            + " docs/udp.md). Alone: UDP only; add --tcp for both.")
    boolean udp;

    @Option(names = "--udp-port", paramLabel = "PORT|auto",
            description = "With --udp: also publish the service on this public UDP port of the rendezvous (auto: any it"
                    + " allows; docs/udp.md, \"Public UDP ports\").")
    String udpPort;

    @Option(names = "--udp-idle-timeout", paramLabel = "SECONDS",
            description = "With --udp: a visitor's flow ends after this long without a datagram either way (default: 60).")
    Integer udpIdleTimeout;

    /**
     * What the flags ask for, checked: the service, who may open sessions, whether to stay on the relay, what the
     * service carries and how long its UDP flows live idle.
     */
    record Checked(Exposer.Service service, List<AllowedPeer> allowPeers, boolean relayOnly, Carries carries,
                   Duration udpIdle) {}

    @Override
    public Integer call() throws Exception {
        Output out = logging.output(spec, options.json);
        Checked checked;
        try {
            checked = check(password(), basicAuth != null ? "--basic-auth" : "$PINHOLE_BASIC_AUTH");
        } catch (IllegalArgumentException e) {
            out.usage(e.getMessage());
            return CommandLine.ExitCode.USAGE;
        }
        PeerHome home = options.home();
        Exposer exposer = new Exposer(home.identity(), server.joinCode(home), out, checked.service());
        exposer.allowPeers(checked.allowPeers()).carries(checked.carries()).udpIdleTimeout(checked.udpIdle());
        exposer.directPaths(!checked.relayOnly()).statusDir(home.dir().resolve("run"), null).onWelcome(server.remember(home, out));
        return RunNode.run(exposer, out);
    }

    /**
     * Checks the flags as parsed, for this command and for {@code peer up}'s {@code [[expose]]} entries alike.
     *
     * @param password       the HTTP password USER:PASS, or null
     * @param passwordSource where it came from, as messages name it ({@code --basic-auth}, an environment variable)
     * @throws IllegalArgumentException naming the flag and what it expects
     */
    Checked check(String password, String passwordSource) {
        var problem = ServiceName.problem(name);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " (expected: 1..65535)");
        }
        Integer publicPort = publicPort("--tcp-port", tcpPort);
        Integer publicUdpPort = publicPort("--udp-port", udpPort);
        if (publicUdpPort != null && !udp) {
            throw new IllegalArgumentException("--udp-port publishes UDP: add --udp (and --tcp to carry TCP too)");
        }
        if (password != null && !http) {
            throw new IllegalArgumentException(passwordSource + " guards HTTP ingress: add --http");
        }
        if (password != null && (password.indexOf(':') < 1 || password.indexOf(':') == password.length() - 1)) {
            throw new IllegalArgumentException(passwordSource + " (expected: USER:PASS, both non-empty)");
        }
        if (password != null && (https || publicPort != null || publicUdpPort != null)) {
            // TLS passthrough, raw TCP and UDP carry no HTTP: a password there would be silently not applied.
            String other = https ? "--https" : publicPort != null ? "--tcp-port" : "--udp-port";
            throw new IllegalArgumentException(passwordSource + " guards HTTP only and cannot protect " + other
                    + " (the rendezvous does not read those bytes): drop " + other
                    + ", or publish it under another --name with --allow-ip");
        }
        List<Cidr> allow = new ArrayList<>();
        for (String block : allowIp) {
            try {
                allow.add(Cidr.parse(block));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--allow-ip: " + e.getMessage());
            }
        }
        if (!allow.isEmpty() && !http && !https && publicPort == null && publicUdpPort == null) {
            throw new IllegalArgumentException("--allow-ip limits public ingress: add --http, --https, --tcp-port or"
                    + " --udp-port");
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("--host '' (expected: the service's host name or address, e.g. 127.0.0.1)");
        }
        String hostHeaderValue = hostHeader == null ? "" : hostHeader.equals("rewrite") ? hostAndPort(host, port) : hostHeader;
        if (!hostHeaderValue.isEmpty() && (!http || !hostHeaderValue.matches("[A-Za-z0-9.:\\[\\]-]{1,255}"))) {
            throw new IllegalArgumentException(!http ? "--host-header applies to HTTP ingress: add --http"
                    : "--host-header " + hostHeader + " (expected: rewrite, or HOST[:PORT])");
        }
        Carries carries = Carries.of(tcp || !udp, udp);
        Duration udpIdle = UdpFlags.idleTimeout(udp, udpIdleTimeout);
        if (!carries.tcp() && (http || https || publicPort != null)) {
            String ingress = http ? "--http" : https ? "--https" : "--tcp-port";
            throw new IllegalArgumentException(ingress + " publishes TCP, and --udp alone carries UDP only: add --tcp"
                    + " to carry both");
        }
        Set<AllowedPeer> allowPeers = new LinkedHashSet<>();
        for (String entry : allowPeer) {
            try {
                allowPeers.add(AllowedPeer.parse(entry));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--allow-peer: " + e.getMessage());
            }
        }
        if (allowPeers.size() > ControlCodec.MAX_ALLOWED_PEERS) {
            throw new IllegalArgumentException("--allow-peer: " + allowPeers.size() + " peers (expected: at most "
                    + ControlCodec.MAX_ALLOWED_PEERS + "; for a larger group ask the operator for a token of its own,"
                    + " rendezvous token create --label LABEL, and allow label:LABEL)");
        }
        List<Exposer.Publication> publish = new ArrayList<>();
        if (http) {
            publish.add(Exposer.Publication.http(password == null ? "" : password, allow).withHostHeader(hostHeaderValue));
        }
        if (https) {
            publish.add(Exposer.Publication.https(allow));
        }
        if (publicPort != null) {
            publish.add(Exposer.Publication.tcp(publicPort, allow));
        }
        if (publicUdpPort != null) {
            publish.add(Exposer.Publication.udp(publicUdpPort, allow));
        }
        return new Checked(new Exposer.Service(ServiceName.canonical(name), host, port, publish), List.copyOf(allowPeers),
                relayOnly, carries, udpIdle);
    }

    /** The public port {@code flag} asks for: null if not given, 0 for auto. */
    private static Integer publicPort(String flag, String value) {
        if (value == null) {
            return null;
        }
        try {
            int port = value.equals("auto") ? 0 : Integer.parseInt(value);
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " " + value + " (expected: a port number or auto)");
        }
    }

    /**
     * The HTTP password: {@code --basic-auth}, else {@code $PINHOLE_BASIC_AUTH} when there is HTTP ingress to guard
     * (the variable is a default, set once in a shell; an expose without {@code --http} has no use for it).
     */
    private String password() {
        String password = basicAuth != null ? basicAuth : http ? System.getenv("PINHOLE_BASIC_AUTH") : null;
        return password == null || password.isEmpty() ? null : password;
    }

    /** HOST:PORT as a Host header writes it: an IPv6 literal in brackets (RFC 9110 section 7.2). */
    static String hostAndPort(String host, int port) {
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }
}
