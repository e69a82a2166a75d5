package dev.pinhole.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module and package map of docs/architecture.md holds: every module's pom and every main and test
 * source file obey {@link DependencyRules}. The lab sees the whole tree, so the check lives here. The
 * checker is first shown to catch each kind of violation, so that finding none means something.
 */
class ArchitectureTest {
    /** Surefire runs in the module's directory; the project root is where the modules are. */
    static final Path ROOT = projectRoot();

    /**
     * About half of each source set's files today: a walk that went wrong (wrong root, wrong directory
     * layout) sees far fewer, and a check of nothing would pass.
     */
    static final Map<String, Integer> AT_LEAST = Map.ofEntries(
            Map.entry("protocol/main", 10), Map.entry("protocol/test", 4),
            Map.entry("session/main", 5), Map.entry("session/test", 1),
            Map.entry("peer/main", 10), Map.entry("peer/test", 3),
            Map.entry("rendezvous/main", 20), Map.entry("rendezvous/test", 6),
            Map.entry("diagnostics/main", 4), Map.entry("diagnostics/test", 1),
            Map.entry("lab/main", 1), Map.entry("lab/test", 10),
            Map.entry("bench/main", 2));

    static Path projectRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("protocol/src/main/java"))) {
            dir = dir.getParent();
        }
        assertTrue(dir != null, "project root: not found above " + Path.of("").toAbsolutePath()
                + " (expected: a directory holding protocol/src/main/java)");
        return dir;
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The path from the project root, with forward slashes as in the rules' messages. */
    static String relative(Path file) {
        return ROOT.relativize(file).toString().replace('\\', '/');
    }

    static List<Path> sources(String module, String set) throws IOException {
        Path dir = ROOT.resolve(module).resolve("src").resolve(set).resolve("java");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        }
    }

    @Test
    void everyModuleTheBuildKnowsHasItsPlaceInTheMap() throws Exception {
        List<String> built = DependencyRules.modulesOf(read(ROOT.resolve("pom.xml")));
        assertEquals(new TreeSet<>(DependencyRules.MODULES.keySet()), new TreeSet<>(built));
    }

    @Test
    void modulePomsDependOnlyOnWhatTheMapAllows() throws Exception {
        List<String> problems = new ArrayList<>();
        for (String module : DependencyRules.MODULES.keySet()) {
            Path pom = ROOT.resolve(module).resolve("pom.xml");
            problems.addAll(DependencyRules.checkPom(relative(pom), read(pom)));
        }
        assertEquals("", String.join("\n", problems));
        assertEquals(List.of("pinhole-protocol", "pinhole-session"),
                DependencyRules.ourDependencies(read(ROOT.resolve("rendezvous/pom.xml"))),
                "the poms are read: the rendezvous' own dependencies are found");
    }

    @Test
    void mainAndTestSourcesUseOnlyWhatTheMapAllows() throws Exception {
        List<String> problems = new ArrayList<>();
        Map<String, Integer> seen = new TreeMap<>();
        for (String module : DependencyRules.MODULES.keySet()) {
            for (String set : List.of("main", "test")) {
                List<Path> files = sources(module, set);
                for (Path file : files) {
                    problems.addAll(DependencyRules.checkSource(relative(file), read(file)));
                }
                if (!files.isEmpty()) {
                    seen.put(module + "/" + set, files.size());
                }
            }
        }
        assertEquals("", String.join("\n", problems));
        AT_LEAST.forEach((set, least) -> assertTrue(seen.getOrDefault(set, 0) >= least,
                set + ": " + seen.getOrDefault(set, 0) + " files (expected: at least " + least + ")"));
    }

    @Test
    void aRendezvousTestImportingThePeerIsCaught() {
        String path = "rendezvous/src/test/java/dev/pinhole/rendezvous/registry/RegistryTest.java";
        String source = """
                package dev.pinhole.rendezvous.registry;

                import static dev.pinhole.peer.node.PeerNode.VERSION;

                import dev.pinhole.peer.node.PeerNode;
                import dev.pinhole.protocol.JoinCode;
                import dev.pinhole.session.PathMux;

                class RegistryTest {}
                """;
        assertEquals(List.of(
                path + " imports dev.pinhole.peer.node.PeerNode (rendezvous may depend on: protocol, session)",
                path + " imports dev.pinhole.peer.node.PeerNode.VERSION (rendezvous may depend on: protocol, session)"),
                DependencyRules.checkSource(path, source));
    }

    @Test
    void aNameWrittenInlineCountsLikeAnImport() {
        String path = "diagnostics/src/main/java/dev/pinhole/diagnostics/Probe.java";
        String source = """
                package dev.pinhole.diagnostics;

                class Probe {
                    dev.pinhole.session.PathMux mux;
                }
                """;
        assertEquals(List.of(path + " names inline dev.pinhole.session.PathMux (diagnostics may depend on: protocol)"),
                DependencyRules.checkSource(path, source));
    }

    @Test
    void packageRulesCatchANodeUsingTheCommandLineButLeaveTestsAlone() {
        String source = """
                package dev.pinhole.peer.node;

                import dev.pinhole.peer.cli.PeerCli;

                class Node {}
                """;
        String main = "peer/src/main/java/dev/pinhole/peer/node/Node.java";
        assertEquals(List.of(main + " imports dev.pinhole.peer.cli.PeerCli (only peer.cli uses peer.cli: the command"
                + " line sits on top, and a node runs without it (the lab runs nodes in-process))"),
                DependencyRules.checkSource(main, source));
        assertEquals(List.of(), DependencyRules.checkSource(main.replace("/main/", "/test/"), source));
    }

    @Test
    void aSelfContainedPackageMayUseItselfButNothingElseOfItsModule() {
        String path = "rendezvous/src/main/java/dev/pinhole/rendezvous/state/Store.java";
        String source = """
                package dev.pinhole.rendezvous.state;

                import dev.pinhole.protocol.tls.SecureFiles;
                import dev.pinhole.rendezvous.registry.Registry;
                import dev.pinhole.rendezvous.state.State;

                class Store {}
                """;
        assertEquals(List.of(path + " imports dev.pinhole.rendezvous.registry.Registry (rendezvous.state uses nothing"
                + " else of rendezvous: the stored tokens and names know nothing of connections)"),
                DependencyRules.checkSource(path, source));
    }

    @Test
    void commentsAndLiteralsMayNameAnything() {
        String path = "protocol/src/main/java/dev/pinhole/protocol/Words.java";
        String source = """
                package dev.pinhole.protocol;

                /** Unlike {@link dev.pinhole.peer.node.PeerNode}, this opens nothing. */
                class Words {
                    // io.netty.bootstrap.Bootstrap would open a socket
                    static final String MAIN = "dev.pinhole.peer.cli.PeerCli";
                    static final char QUOTE = '"';
                    static final String BLOCK = \"""
                            dev.pinhole.rendezvous.cli.RendezvousCli \\\""" still inside
                            \""";
                }
                """;
        assertEquals(List.of(), DependencyRules.checkSource(path, source));
    }

    @Test
    void aFileMustLiveInItsOwnModulesPackages() {
        String path = "rendezvous/src/main/java/dev/pinhole/peer/node/Sneak.java";
        assertEquals(List.of(path + " declares package dev.pinhole.peer.node (expected: dev.pinhole.rendezvous or below)"),
                DependencyRules.checkSource(path, "package dev.pinhole.peer.node;\nclass Sneak {}\n"));
        String moved = "peer/src/main/java/dev/pinhole/peer/cli/Moved.java";
        assertEquals(List.of(moved + " declares package dev.pinhole.peer.node (expected: dev.pinhole.peer.cli, its directory)"),
                DependencyRules.checkSource(moved, "package dev.pinhole.peer.node;\nclass Moved {}\n"));
    }

    @Test
    void aPomDependingOnTheClientIsCaught() throws Exception {
        String pom = """
                <project>
                  <dependencyManagement><dependencies>
                    <dependency><groupId>dev.pinhole</groupId><artifactId>pinhole-lab</artifactId></dependency>
                  </dependencies></dependencyManagement>
                  <dependencies>
                    <dependency><groupId>dev.pinhole</groupId><artifactId>pinhole-session</artifactId></dependency>
                    <dependency><groupId>dev.pinhole</groupId><artifactId>pinhole-peer</artifactId><scope>test</scope></dependency>
                    <dependency><groupId>io.netty</groupId><artifactId>netty-all</artifactId></dependency>
                  </dependencies>
                </project>
                """;
        assertEquals(List.of("rendezvous/pom.xml depends on pinhole-peer (rendezvous may depend on: protocol, session)"),
                DependencyRules.checkPom("rendezvous/pom.xml", pom));
    }
}
