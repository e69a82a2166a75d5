package dev.pinhole.peer;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "peer", mixinStandardHelpOptions = true, version = "pinhole-peer 0.1",
        description = "Publish a local service, or reach one, through a Pinhole rendezvous.",
        subcommands = {LoginCommand.class, ExposeCommand.class, ConnectCommand.class, IdCommand.class})
public final class PeerCli {
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new PeerCli());
    }
}
