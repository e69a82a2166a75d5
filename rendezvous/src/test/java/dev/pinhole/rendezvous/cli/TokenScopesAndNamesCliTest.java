package dev.pinhole.rendezvous.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pinhole.rendezvous.state.FileStateStore;
import dev.pinhole.rendezvous.state.State;
import dev.pinhole.rendezvous.state.State.NameRecord;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code token create --names}, {@code token revoke} releasing what the token claimed, {@code names list|release}. */
class TokenScopesAndNamesCliTest {
    static final String ALICE = "sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
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

    String createToken(String... options) {
        List<String> args = new ArrayList<>(List.of("--data-dir", dir.toString(), "--public-host", "127.0.0.1",
                "token", "create"));
        args.addAll(List.of(options));
        Run created = run(args.toArray(String[]::new));
        assertEquals(0, created.exit(), created.err());
        return created.out().split(" ")[1];
    }

    /** What a peer's Register leaves in the store (the rendezvous writes it; here the scene is set directly). */
    void claim(String name, String tokenId) throws Exception {
        new FileStateStore(dir).update(s -> s.withName(new NameRecord(name, ALICE, 1_700_000_000L, tokenId)));
    }

    @Test
    void aTokenCreatedWithNamesIsLimitedToThemAndListsThem() throws Exception {
        String id = createToken("--label", "nas box", "--names", "nas,NAS-*");
        State.TokenRecord token = new FileStateStore(dir).read().tokens().get(id);
        assertEquals(List.of("nas", "nas-*"), token.names());
        assertTrue(token.allows("nas") && token.allows("nas-backup") && token.allows("nas-"), token.toString());
        assertFalse(token.allows("nasa") || token.allows("web") || token.allows("my-nas"), token.toString());
        String listed = run("--data-dir", dir.toString(), "token", "list").out();
        assertTrue(listed.lines().anyMatch(l -> l.startsWith(id) && l.contains("nas,nas-*") && l.contains("nas box")), listed);

        String any = createToken();
        assertTrue(run("--data-dir", dir.toString(), "token", "list").out().lines()
                .anyMatch(l -> l.startsWith(any) && l.contains(" any ")));
    }

    @Test
    void aBadNamePatternIsAUsageErrorAndNoTokenIsCreated() throws Exception {
        Run bad = run("--data-dir", dir.toString(), "token", "create", "--names", "nas,bad_name");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("--names: name pattern 'bad_name' (expected: a lower-case DNS label"), bad.err());
        assertTrue(new FileStateStore(dir).read().tokens().isEmpty());
    }

    @Test
    void revokingATokenReleasesTheNamesItRegisteredUnlessAskedToKeepThem() throws Exception {
        String squatter = createToken("--label", "squatter");
        String other = createToken("--label", "other");
        claim("nas", squatter);
        claim("web", squatter);
        claim("db", other);
        Run revoked = run("--data-dir", dir.toString(), "token", "revoke", squatter);
        assertEquals(0, revoked.exit(), revoked.err());
        assertTrue(revoked.out().contains("token " + squatter + " revoked; a running rendezvous cuts its peers off within 2 s"),
                revoked.out());
        assertTrue(revoked.out().contains("released names: nas, web"), revoked.out());
        assertEquals(List.of("db"), List.copyOf(new FileStateStore(dir).read().names().keySet()));

        claim("mail", other);
        Run kept = run("--data-dir", dir.toString(), "token", "revoke", other, "--keep-names");
        assertEquals(0, kept.exit(), kept.err());
        assertFalse(kept.out().contains("released"), kept.out());
        assertEquals(2, new FileStateStore(dir).read().names().size());
    }

    @Test
    void namesAreListedWithTheirTokenAndOwnerAndCanBeReleased() throws Exception {
        String id = createToken();
        claim("web", id);
        claim("legacy", null); // written before names were bound to tokens
        Run listed = run("--data-dir", dir.toString(), "names", "list");
        assertEquals(0, listed.exit(), listed.err());
        List<String> lines = listed.out().lines().toList();
        assertTrue(lines.get(0).matches("NAME +TOKEN +CREATED +OWNER"), lines.get(0));
        assertTrue(lines.get(1).matches("legacy +- +2023-11-14T22:13:20Z +" + ALICE.replace("+", "\\+")), lines.get(1));
        assertTrue(lines.get(2).matches("web +" + id + " +2023-11-14T22:13:20Z +" + ALICE), lines.get(2));

        Run released = run("--data-dir", dir.toString(), "names", "release", "WEB");
        assertEquals(0, released.exit(), released.err());
        assertEquals("name 'web' released", released.out().trim());
        assertFalse(new FileStateStore(dir).read().names().containsKey("web"));

        Run unknown = run("--data-dir", dir.toString(), "names", "release", "web");
        assertEquals(1, unknown.exit());
        assertEquals("rendezvous: error: no owned name 'web' (see 'names list')", unknown.err().trim());
    }
}
