package dev.pinhole.rendezvous;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RendezvousCliTest {
    @TempDir Path dir;

    record Run(int exit, String out, String err) {}

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new RendezvousCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void tokensAreCreatedListedAndRevoked() {
        String data = dir.toString();
        Run created = run("--data-dir", data, "--public-host", "203.0.113.7", "token", "create", "--label", "laptop");
        assertEquals(0, created.exit(), created.err());
        assertTrue(created.out().contains("pinhole://pht_"), created.out());
        assertTrue(created.out().contains("@203.0.113.7:7000?fp=sha256:"), created.out());
        String id = created.out().split(" ")[1];

        Run listed = run("--data-dir", data, "token", "list");
        assertTrue(listed.out().contains(id + " ") && listed.out().contains("active") && listed.out().contains("laptop"), listed.out());
        assertTrue(!listed.out().contains("pht_"), "list never shows secrets");

        assertEquals(0, run("--data-dir", data, "token", "revoke", id).exit());
        assertTrue(run("--data-dir", data, "token", "list").out().contains("revoked"));
        Run again = run("--data-dir", data, "token", "revoke", id);
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("no active token with id " + id));
    }
}
