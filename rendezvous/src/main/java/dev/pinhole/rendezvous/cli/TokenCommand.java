package dev.pinhole.rendezvous.cli;

import dev.pinhole.protocol.JoinCode;
import dev.pinhole.protocol.tls.Identity;
import dev.pinhole.rendezvous.DataDir;
import dev.pinhole.rendezvous.state.State;
import dev.pinhole.rendezvous.state.Tokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "token", description = "Create, list and revoke access tokens (works while the server runs).",
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
final class TokenCommand {
    @ParentCommand
    RendezvousCli parent;

    DataDir dataDir() throws IOException {
        return parent.openDataDir();
    }

    @Command(name = "create", description = "Issue a new token and print a join code that carries it.")
    static final class Create implements Callable<Integer> {
        @ParentCommand TokenCommand token;
        @Spec CommandLine.Model.CommandSpec spec;
        @Option(names = "--label", description = "What the token is for, shown by 'token list'.", defaultValue = "")
        String label;
        @Option(names = "--names", paramLabel = "PATTERN[,PATTERN...]", split = ",",
                description = "Limit the token to these names, for registering and connecting alike; '*' matches any"
                        + " run of characters (e.g. --names 'nas,nas-*'). Default: any name.")
        List<String> names;

        @Override
        public Integer call() throws Exception {
            List<String> scope = names == null ? null : names.stream().map(n -> n.trim().toLowerCase(Locale.ROOT)).toList();
            if (scope != null) {
                for (String pattern : scope) {
                    String problem = State.NamePatterns.problem(pattern);
                    if (problem != null) {
                        throw new CommandLine.ParameterException(spec.commandLine(), "--names: " + problem);
                    }
                }
            }
            DataDir dir = token.dataDir();
            Identity identity = dir.identity();
            String secret = dir.createToken(label, scope);
            Path existing = dir.joinCodeFile();
            // The server's own join code knows where it really runs; what the operator names (option or --config) wins.
            String host = token.parent.chosenPublicHost();
            Integer port = token.parent.chosenPort();
            if (Files.exists(existing) && (host == null || port == null)) {
                JoinCode old = JoinCode.parse(Files.readString(existing, StandardCharsets.UTF_8));
                host = host != null ? host : old.host();
                port = port != null ? port : old.port();
            }
            host = host != null ? host : token.parent.settings().publicHost();
            port = port != null ? port : token.parent.settings().port();
            var out = spec.commandLine().getOut();
            out.println("token " + Tokens.idOf(secret).orElseThrow() + " created"
                    + (scope == null ? "" : " for names " + String.join(", ", scope)) + "; join code:");
            out.println(new JoinCode(host, port, secret, identity.certificateFingerprint()));
            return 0;
        }
    }

    @Command(name = "list", description = "List tokens (ids only; secrets are not stored).")
    static final class ListTokens implements Callable<Integer> {
        @ParentCommand TokenCommand token;
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            var out = spec.commandLine().getOut();
            out.printf("%-10s %-8s %-20s %-20s %s%n", "ID", "STATUS", "CREATED", "NAMES", "LABEL");
            for (State.TokenRecord record : token.dataDir().store().read().tokensByAge()) {
                out.printf("%-10s %-8s %-20s %-20s %s%n", record.id(), record.active() ? "active" : "revoked",
                        Instant.ofEpochSecond(record.createdAt()).toString(),
                        record.names() == null ? "any" : String.join(",", record.names()), record.label());
            }
            return 0;
        }
    }

    @Command(name = "revoke", description = "Revoke a token: a running rendezvous cuts its peers and their sessions"
            + " off within 2 s and refuses new logins with it; the names it registered are released.")
    static final class Revoke implements Callable<Integer> {
        @ParentCommand TokenCommand token;
        @Spec CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "ID", description = "The token id shown by 'token list'.")
        String id;
        @Option(names = "--keep-names", description = "Keep the names registered with this token owned by their identities.")
        boolean keepNames;

        @Override
        public Integer call() throws Exception {
            DataDir.Revocation revocation = token.dataDir().revokeToken(id, keepNames);
            if (revocation.revoked()) {
                var out = spec.commandLine().getOut();
                out.println("token " + id + " revoked; a running rendezvous cuts its peers off within 2 s");
                if (!revocation.releasedNames().isEmpty()) {
                    out.println("released names: " + String.join(", ", revocation.releasedNames()));
                }
                return 0;
            }
            spec.commandLine().getErr().println(RendezvousCli.ERROR + "no active token with id " + id + " (see 'token list')");
            return CommandLine.ExitCode.SOFTWARE;
        }
    }
}
