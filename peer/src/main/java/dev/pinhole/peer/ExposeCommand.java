package dev.pinhole.peer;

import dev.pinhole.protocol.ServiceName;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "expose", description = "Publish the local TCP service on PORT under a name.")
final class ExposeCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin PeerOptions options;
    @Parameters(paramLabel = "PORT", description = "Local port of the service.")
    int port;
    @Option(names = "--name", required = true, description = "Name to publish (a DNS label, e.g. mypc).")
    String name;
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Host of the service (default: 127.0.0.1).")
    String host;

    @Option(names = "--tcp-port", paramLabel = "PORT|auto",
            description = "Also publish the service on this public TCP port of the rendezvous (auto: any it allows).")
    String tcpPort;

    @Option(names = "--relay-only", description = "Never try a direct (hole-punched) path; always use the relay.")
    boolean relayOnly;

    @Override
    public Integer call() throws Exception {
        Output out = new Output(spec.commandLine().getOut(), spec.commandLine().getErr(), options.json);
        var problem = ServiceName.problem(name);
        if (problem.isPresent()) {
            out.error(problem.get());
            return CommandLine.ExitCode.USAGE;
        }
        if (port < 1 || port > 65535) {
            out.error("port " + port + " (expected: 1..65535)");
            return CommandLine.ExitCode.USAGE;
        }
        Integer publicPort = null;
        if (tcpPort != null) {
            try {
                publicPort = tcpPort.equals("auto") ? 0 : Integer.parseInt(tcpPort);
                if (publicPort < 0 || publicPort > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                out.error("--tcp-port " + tcpPort + " (expected: a port number or auto)");
                return CommandLine.ExitCode.USAGE;
            }
        }
        PeerHome home = options.home();
        Exposer exposer = new Exposer(home.identity(), options.joinCode(), out,
                new Exposer.Service(ServiceName.canonical(name), host, port, publicPort));
        exposer.directPaths(!relayOnly).statusDir(home.dir().resolve("run"));
        return RunNode.run(exposer, out);
    }
}
